// The canonical state as a row of int32s (the search's visited-set key, state-table.ts): the
// parts of canonical.ts's text, each text interned to a number, so that building a key
// concatenates, escapes, renames and hashes no text but what is new to the search.
//
// The same equivalence as the text (Canonicalizer.worldState), part by part:
// - Interned ids: `ids` numbers every distinct text it is given, so equal ids are equal texts
//   and the other way round. It lives as long as the search (one per StateKeys): its size is the
//   number of distinct renamed node states and events, histories and phase texts the search met;
//   the caches beside it that save work (marked texts, renamings) are bounded.
// - A node state's text, and an event's, is its marked text (sim/intern.ts) renamed by the
//   names of the connections it marks (canonical.ts 2). Renaming is a function of the marked
//   text and those names, so it is done once per (marked text, names) pair and the renamed
//   text interned: two pairs that rename to the same text get the same id, as the text has it.
// - A multiset (loose events, connections, saved databases) is written sorted by id, a set of
//   FIFO queues sorted by content: the text sorts them too, only by another order.
// - Every part of variable length is written after its length, so that a key parses one way
//   only: equal keys are equal parts, and so equal texts. Equal texts are equal keys as long as
//   the text parses one way only too (its separators do not occur in its parts where they would
//   be ambiguous); canonical-key.test.ts checks both directions on every state of small bounds,
//   and the searches it runs find the same states, world states and classes with either key.
import type { WorldView } from '../sim/exhaustive-world.ts';
import { canonicalText, connMarkChar, connMarkPattern } from '../sim/intern.ts';
import type { Connection, Slot, WorldEvent } from '../sim/world.ts';
import { channelOf, eventSuffix, renameConns, type Canonicalizer, type HistorySummary, type SearchState } from './canonical.ts';
import type { KeyBuffer } from './state-table.ts';

/**
 * A marked text with the connection ids it marks, in order of first appearance. Its id: without
 * marks, the id of its text (it is its own renaming); with marks, a serial number that only
 * names it in the renaming cache, so that the marked text itself need not be kept.
 */
interface Marked {
  readonly id: number;
  readonly text: string;
  readonly conns: readonly number[];
}

/** The connection ids a marked text names (canonical.ts collects the same). */
function marksOf(text: string): number[] {
  if (!text.includes(connMarkChar)) return [];
  const conns: number[] = [];
  for (const match of text.matchAll(connMarkPattern)) {
    const id = Number(match[1]);
    if (!conns.includes(id)) conns.push(id);
  }
  return conns;
}

/** Builds the int key of a world state's canonical state (see the head of this file). */
export class StateKeys {
  /** The texts in keys: kept as long as the search, for equal ids to mean equal texts. */
  private readonly ids = new Map<string, number>();
  /** Marked texts met (node states' and events'), by text: a cache, emptied when full. */
  private readonly marks = new Map<string, Marked>();
  private serial = 0;
  private readonly histories = new WeakMap<HistorySummary, number>();
  /** `${marked id}:${name codes}` to the id of the renamed text: a cache, emptied with `marks`. */
  private readonly renamedIds = new Map<string, number>();
  /** Per connection id met in the state being keyed: its name's code (client slot * 2^16 + rank), its name; reset per state. */
  private readonly codes: number[] = [];
  private readonly names = new Map<number, string>();
  /** Scratch space for the state being keyed. */
  private readonly nodes: Marked[] = [];
  private readonly events: WorldEvent[] = [];
  private readonly eventMarks: Marked[] = [];
  private readonly numbers: number[] = [];
  private readonly entries: number[] = [];
  private readonly channels = new Map<number, number[]>();

  /** cacheMax: entries of the caches of marked texts and renamings before they are emptied (they hold long texts). */
  constructor(
    private readonly canonicalizer: Canonicalizer,
    private readonly cacheMax = 1 << 17,
  ) {}

  private idOf(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(text, id);
    }
    return id;
  }

  /**
   * By text, not by object: canonicalText hands out one string per object (sim/intern.ts keeps
   * it), so the lookup hashes no text twice, and the table grows with distinct texts only.
   */
  private markedText(text: string): Marked {
    let found = this.marks.get(text);
    if (found === undefined) {
      const conns = marksOf(text);
      found = { id: conns.length === 0 ? this.idOf(text) : this.serial++, text, conns };
      if (this.marks.size >= this.cacheMax) {
        // Serials are never reused, so what the renaming cache forgets is only recomputed.
        this.marks.clear();
        this.renamedIds.clear();
      }
      this.marks.set(text, found);
    }
    return found;
  }

  private eventMarked(event: WorldEvent, broker: Slot): Marked {
    const suffix = eventSuffix(event, broker);
    const base = this.canonicalizer.baseText(event);
    return this.markedText(suffix === '' ? base : base + suffix);
  }

  /** The id of a marked text renamed by the names of this state's connections. */
  private renamed(marked: Marked): number {
    if (marked.conns.length === 0) return marked.id;
    let pair = `${marked.id}`;
    for (const conn of marked.conns) pair += `:${this.codes[conn] ?? -1}`;
    let id = this.renamedIds.get(pair);
    if (id === undefined) {
      id = this.idOf(renameConns(marked.text, this.names));
      this.renamedIds.set(pair, id);
    }
    return id;
  }

  /** Writes the key of the world state (canonical.ts worldState) into `out`. */
  worldKey(view: WorldView, search: SearchState, out: KeyBuffer): void {
    out.clear();
    const broker = view.nodes[0] as Slot;
    const { nodes, events, eventMarks } = this;
    nodes.length = 0;
    events.length = 0;
    eventMarks.length = 0;
    for (const node of view.nodes) nodes.push(this.markedText(canonicalText(node.state)));
    for (const event of view.pending) {
      // The broker's background timer is applied lazily (canonical.ts leaves it out too).
      if (event.background && event.payload.kind === 'timer' && event.payload.node === broker) continue;
      events.push(event);
      eventMarks.push(this.eventMarked(event, broker));
    }
    this.nameConnections(view, out);
    view.nodes.forEach((node, at) => {
      out.push(node.up ? 1 : 0);
      out.push(this.renamed(nodes[at] as Marked));
    });
    this.pushEvents(broker, out);
    const script = view.script;
    out.push(script.nextMessage);
    out.push(script.awaited ?? -1);
    out.push(script.diedAwaiting ?? -1);
    out.push(script.dueOnRestart.length);
    for (const message of script.dueOnRestart) out.push(message);
    out.push(view.offlineDepth);
    out.push(this.idOf(search.budget));
    out.push(this.historyId(this.canonicalizer.summaryOf(view.history)));
    out.push((search.brokerFaultsPossible ? 1 : 0) | (search.faultsPossible ? 2 : 0));
    if (search.brokerFaultsPossible) {
      const saves = this.scratch();
      for (const saved of view.saves) saves.push(this.idOf(saved.token));
      pushSorted(saves, out);
    }
    if (search.faultsPossible) out.push(this.idOf(view.phasesText()));
  }

  /** An empty array of numbers, reused: keys are built one at a time, each part written before the next is gathered. */
  private scratch(): number[] {
    const numbers = this.numbers;
    numbers.length = 0;
    return numbers;
  }

  /**
   * Names the connections the state refers to (canonical.ts 2): by client, in the order of their
   * ids; writes each one's name and flags, sorted by name.
   */
  private nameConnections(view: WorldView, out: KeyBuffer): void {
    const referred = this.scratch();
    for (const node of this.nodes) for (const conn of node.conns) referred.push(conn);
    for (const event of this.events) {
      const payload = event.payload;
      if (payload.kind === 'arrive' || payload.kind === 'hangup' || payload.kind === 'link-up') referred.push(payload.conn.id);
    }
    for (const conn of view.connections) if (conn.alive) referred.push(conn.id);
    referred.sort((a, b) => a - b);
    this.codes.length = 0;
    this.names.clear();
    const ranks = [0, 0, 0];
    const entries = this.entries;
    entries.length = 0;
    for (let at = 0; at < referred.length; at += 1) {
      const id = referred[at] as number;
      if (at > 0 && referred[at - 1] === id) continue;
      const conn = view.connections[id - 1];
      if (conn === undefined || conn.id !== id) throw new Error(`canonical key: unknown connection ${id}`);
      const slot = view.nodes.indexOf(conn.client);
      const rank = ranks[slot] as number;
      ranks[slot] = rank + 1;
      const code = slot * 2 ** 16 + rank;
      this.codes[id] = code;
      this.names.set(id, `${conn.client.name}.${rank}`);
      entries.push(code * 32 + flagsOf(conn));
    }
    pushSorted(entries, out);
  }

  /** Loose events as a multiset, FIFO channels as a multiset of queues (canonical.ts 3). */
  private pushEvents(broker: Slot, out: KeyBuffer): void {
    const loose = this.scratch();
    const channels = this.channels;
    channels.clear();
    this.events.forEach((event, at) => {
      const id = this.renamed(this.eventMarks[at] as Marked);
      const channel = channelOf(event, broker);
      if (channel < 0) {
        loose.push(id);
        return;
      }
      const queue = channels.get(channel);
      if (queue === undefined) channels.set(channel, [id]);
      else queue.push(id);
    });
    pushSorted(loose, out);
    const queues = [...channels.values()].sort(compareQueues);
    out.push(queues.length);
    for (const queue of queues) {
      out.push(queue.length);
      for (const id of queue) out.push(id);
    }
  }

  private historyId(summary: HistorySummary): number {
    let id = this.histories.get(summary);
    if (id === undefined) {
      id = this.idOf(this.canonicalizer.historyText(summary));
      this.histories.set(summary, id);
    }
    return id;
  }
}

function pushSorted(values: number[], out: KeyBuffer): void {
  values.sort((a, b) => a - b);
  out.push(values.length);
  for (const value of values) out.push(value);
}

function flagsOf(conn: Connection): number {
  return (conn.alive ? 16 : 0) | (conn.brokerReads ? 8 : 0) | (conn.clientReads ? 4 : 0) | (conn.brokerHeardClose ? 2 : 0) | (conn.clientHeardClose ? 1 : 0);
}

function compareQueues(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}
