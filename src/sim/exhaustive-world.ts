// The world in exhaustive mode (see the head of world.ts): instead of running by the clock it
// offers, at every state, each thing that may happen next — every enabled event (a timer may
// fire at any point after it is set; a packet may arrive at any point after it is sent, behind
// the earlier packets of its connection direction) and every fault that can strike — and takes
// the one it is told. The exhaustive search (src/check/exhaustive.ts) walks these options,
// coming back to a state with snapshot/restore; a replay feeds the recorded choices back
// through run(). Node states are immutable, so a snapshot shares them and copies only the
// world's own small mutable parts (the append-only lists are shared, see WorldSnapshot).
//
// Lazy autosave. The broker's autosave is a background timer that may fire at any point, and
// all it does is write the database, which only a later crash reads. Firing it as an event
// would multiply every state by each database the broker could have saved. Instead the world
// keeps the distinct databases the broker could have saved since it started (one per broker
// state it passed through), and a broker fault chooses which one the last autosave wrote: a
// kill leaves that database, and a kill or a restart records whether it held each message. The
// autosave timer stays pending, as the sign that the broker autosaves, but is never an option.
// This is the same set of runs: a kill choosing database d is the run in which the timer last
// fired at the state d was saved from (the timer writes the disk and re-arms itself, nothing
// else, which noteSave asserts), and every run with the timer fired somewhere ends up, at its
// next broker fault, with one of these databases (or none written since the broker started).
// A write of the broker's own (a save before acknowledging, one after N changes) overwrites what
// an earlier autosave wrote, so it empties the list: no kill can leave a database older than it.
import { assert, unreachable } from '../../models/assert.ts';
import type { Config } from '../../models/config.ts';
import { faultKinds, type HistoryEvent } from '../../models/history.ts';
import type { MessageId } from '../../models/ghost.ts';
import { links, type Scenario } from '../../models/scenario.ts';
import type { Chooser } from './chooser.ts';
import type { LogEntry, RunEnd } from './log.ts';
import type { PhaseState } from './phases.ts';
import type { ScriptState } from './workload.ts';
import { canonicalText } from './intern.ts';
import { canonicalOrder, stableText } from './option-order.ts';
import { World, type Connection, type FaultRecord, type InjectedFault, type Payload, type RunResult, type Slot, type WorldEvent, type WorldNodes } from './world.ts';

/** What can happen next: the run ends (offered only once nothing but background timers is pending), an event fires, or a fault strikes. */
export type StepOption =
  | { readonly kind: 'end' }
  | { readonly kind: 'event'; readonly event: WorldEvent }
  | { readonly kind: 'fault'; readonly fault: InjectedFault };

const endOption: StepOption = { kind: 'end' };

/**
 * Every fault the world can inject, in a fixed order (the options list broker faults last). The
 * options list every applicable fault whatever the search's budget (the search skips those
 * beyond it), so a trace replays without knowing the bounds it was found under.
 */
export const injectableFaults: readonly InjectedFault[] = faultKinds.flatMap((kind): InjectedFault[] =>
  kind === 'connection-drop' ? links.map((link) => ({ kind, link })) : [{ kind }],
);

export function faultLabel(fault: InjectedFault): string {
  return fault.kind === 'connection-drop' ? `connection-drop(${fault.link ?? '?'})` : fault.kind;
}

/** A database the broker's autosave could have written: the broker as a kill would then leave it. */
export interface SavedState {
  readonly state: unknown;
  /** canonicalText(state): equal tokens, equal databases. */
  readonly token: string;
  /** Events fired when the broker reached the state saved, and the virtual time then. */
  readonly afterEvent: number;
  readonly atMs: number;
}

/** Everything that changes as an exhaustive world runs, to come back to a state and take another option. */
export interface WorldSnapshot {
  readonly nowMs: number;
  readonly seq: number;
  readonly foregroundPending: number;
  readonly nextConnId: number;
  readonly offlineDepth: number;
  readonly eventsDone: number;
  readonly pending: readonly WorldEvent[];
  readonly slots: readonly SlotSnapshot[];
  /**
   * Append-only lists, shared with the world rather than copied: the world only ever appends to
   * them (and restore gives it a copy of the prefix), so the first `lengths` entries stay put.
   * The connections are objects events refer to; their mutable fields are copied.
   */
  readonly connections: readonly Connection[];
  readonly connectionFields: ConnectionFields;
  readonly history: readonly HistoryEvent[];
  readonly faultRecords: readonly FaultRecord[];
  readonly log: readonly LogEntry[] | undefined;
  readonly lengths: readonly [connections: number, history: number, faultRecords: number, log: number];
  readonly phases: PhaseState;
  readonly script: ScriptState;
  readonly saves: readonly SavedState[];
  readonly savesSource: unknown;
  readonly durableToken: string | undefined;
}

interface SlotSnapshot {
  readonly state: unknown;
  readonly up: boolean;
  readonly incarnation: number;
  /** Timer names and generations, alternating; shared with the previous snapshot when unchanged. */
  readonly timerGenerations: readonly (string | number)[];
}

/**
 * Per connection, three numbers in a row (one flat array per snapshot, not one per connection:
 * the search keeps a snapshot of every state it has still to expand): alive, brokerReads,
 * clientReads, brokerHeardClose, clientHeardClose as bits, then the two FIFO times.
 */
type ConnectionFields = readonly number[];

function connectionFieldsOf(connections: readonly Connection[]): ConnectionFields {
  const fields = new Array<number>(connections.length * 3);
  connections.forEach((c, index) => {
    fields[index * 3] = (c.alive ? 1 : 0) | (c.brokerReads ? 2 : 0) | (c.clientReads ? 4 : 0) | (c.brokerHeardClose ? 8 : 0) | (c.clientHeardClose ? 16 : 0);
    fields[index * 3 + 1] = c.lastArrivalToBrokerMs;
    fields[index * 3 + 2] = c.lastArrivalToClientMs;
  });
  return fields;
}

const noTimers: readonly (string | number)[] = [];

function timersOf(slot: Slot): readonly (string | number)[] {
  if (slot.timerGenerations.size === 0) return noTimers;
  const flat: (string | number)[] = [];
  // A generation of 0 is a timer that fired or was cancelled (world.ts): the same as none.
  for (const [timer, generation] of slot.timerGenerations) if (generation !== 0) flat.push(timer, generation);
  return flat.length === 0 ? noTimers : flat;
}

/** A read-only view of the world's state, for the search's canonical state hash. */
export interface WorldView {
  readonly nowMs: number;
  /** broker, producer, consumer. */
  readonly nodes: readonly Slot[];
  readonly connections: readonly Connection[];
  /** Pending events in scheduling order. */
  readonly pending: readonly WorldEvent[];
  readonly script: ScriptState;
  /** The phase tracker's content as canonical text (PhaseTracker.text), computed when asked. */
  phasesText(): string;
  readonly history: readonly HistoryEvent[];
  readonly faults: readonly FaultRecord[];
  readonly offlineDepth: number;
  /** Databases the broker could have autosaved since it started (lazy autosave). */
  readonly saves: readonly SavedState[];
}

/**
 * The FIFO channel an event travels on, or -1: a packet, or an orderly close, from one end of a
 * connection to the other arrives behind everything sent before it that way (TCP).
 */
export function channelOf(event: WorldEvent): number {
  const payload = event.payload;
  if (payload.kind === 'arrive') return payload.conn.id * 2 + (payload.to.name === 'broker' ? 0 : 1);
  if (payload.kind === 'hangup' && payload.ordered) return payload.conn.id * 2 + (payload.node.name === 'broker' ? 0 : 1);
  return -1;
}

function eventKey(payload: Payload): string {
  switch (payload.kind) {
    case 'arrive':
      return `arrive ${payload.from.name}>${payload.to.name} ${JSON.stringify(payload.packet)}`;
    case 'link-up':
      return `link-up ${payload.conn.client.name}`;
    case 'hangup':
      return `hangup ${payload.node.name}${payload.ordered ? ' ordered' : ''}`;
    case 'timer':
      return `timer ${payload.node.name} ${payload.timer}`;
    case 'publish':
      return `publish ${payload.message}`;
    case 'offline':
    case 'online':
      return payload.kind;
    case 'fault':
      return `scenario-fault ${payload.index}`;
    case 'restart':
      return `restart ${payload.node.name}`;
    case 'stop':
      return 'stop';
    default:
      return unreachable(payload);
  }
}

export class ExhaustiveWorld extends World {
  protected readonly defersSigterm = false;
  /**
   * Whether the lazy autosave notes the databases the broker could have saved (noteSave). The
   * search turns it off for steps into states where no broker fault can strike any more: see
   * exhaustive.ts stepFrom for why nothing then reads them. A replay keeps it on.
   */
  notesSaves = true;
  private readonly slots: readonly Slot[];
  private begun = false;
  /** Lazy autosave: the databases the broker could have saved since it started, distinct, oldest first. */
  private saves: readonly SavedState[] = [];
  /** The broker state the last entry of `saves` was computed from. */
  private savesSource: unknown = undefined;
  /** crashToken of that state: what the disk holds without an autosave. */
  private durableToken: string | undefined = undefined;
  private readonly crashTokens = new WeakMap<object, string>();
  private readonly stableTexts = new WeakMap<object, string>();

  /** The agenda: the enabled events, in scheduling (seq) order. */
  protected pending: WorldEvent[] = [];
  /** Events fired so far. */
  protected eventsDone = 0;

  constructor(config: Config, scenario: Scenario, nodes: WorldNodes, chooser: Chooser, options: { readonly log?: boolean } = {}) {
    super(config, scenario, nodes, chooser, options);
    // Faults are the search's choices here, and offline periods would be two events free to
    // fire in either order; an exhaustive scenario is its messages only.
    assert(scenario.faults.length === 0 && scenario.offline.length === 0, () => `an exhaustive run takes messages only: ${JSON.stringify(scenario)}`);
    // Its snapshots and fault choices cover one producer (check-command refuses two, README).
    assert(this.producers.length === 1, () => `an exhaustive run has one producer, not ${this.producers.length}`);
    this.slots = [this.broker, this.producer, this.consumer];
  }

  protected enqueue(event: WorldEvent): void {
    this.pending.push(event);
  }

  /** Any event may come before any other, so the minimum latency covers every latency. */
  protected latencyMs(): number {
    return this.config.network.latencyMsMin;
  }

  /** A timer set again replaces its pending event, a cancelled one or a crashed node's has none. */
  protected forgetTimers(node: Slot, timer: string | null): void {
    const pending = this.pending;
    let kept = 0;
    for (let i = 0; i < pending.length; i += 1) {
      const event = pending[i] as WorldEvent;
      const payload = event.payload;
      if (payload.kind === 'timer' && payload.node === node && (timer === null || payload.timer === timer)) {
        if (!event.background) this.foregroundPending -= 1;
        continue;
      }
      pending[kept++] = event;
    }
    pending.length = kept;
  }

  /** Starts the nodes and the publish script: the root state. */
  begin(): void {
    assert(!this.begun, 'an exhaustive world begins once');
    this.begun = true;
    this.schedule();
    this.purgeDead();
    this.noteSave();
  }

  /** A replay: every choice asked of the chooser (none when there is only one option). */
  override run(): RunResult {
    this.begin();
    const eventsMax = this.config.timing.eventsMax;
    let end: RunEnd = 'quiescent';
    for (;;) {
      const options = this.options();
      if (options.length === 0) break;
      if (this.eventsDone >= eventsMax) {
        end = 'events-max';
        break;
      }
      const option = options.length === 1 ? options[0] : options[this.chooser.choose(options.length)];
      assert(option !== undefined, 'the chooser picked an option that is not there');
      if (option.kind === 'end') break;
      this.take(option);
    }
    return this.finish(end);
  }

  /** Ends the run where it stands (records the end in the log) and returns what it produced. */
  finish(end: RunEnd): RunResult {
    this.record({ atMs: this.nowMs, kind: 'end', reason: end });
    return { history: this.history, faults: this.faultRecords, stats: { events: this.eventsDone, endMs: this.nowMs, end }, log: this.log };
  }

  get events(): number {
    return this.eventsDone;
  }

  /** Whether only background timers are pending: the run may end here. */
  get quiescent(): boolean {
    return this.foregroundPending === 0;
  }

  /**
   * The options, in a fixed order: 'end' first when quiescent, then the enabled events in
   * canonical order (canonicalOrder), then the applicable faults in injectableFaults order,
   * except that broker faults come last (applicableFaults).
   * Empty when the run is over: quiescent and no fault can strike.
   */
  options(): StepOption[] {
    const options: StepOption[] = [];
    const faults = this.applicableFaults();
    if (this.foregroundPending === 0) {
      if (faults.length === 0) return options;
      options.push(endOption);
    }
    const channels = new Set<number>();
    const events: WorldEvent[] = [];
    // Pending events are in scheduling order, so the first of each channel is its head.
    for (const event of this.pending) {
      // The broker's background timer (autosave) is applied lazily, never fired (see the head).
      if (event.background && event.payload.kind === 'timer' && event.payload.node === this.broker) continue;
      const channel = channelOf(event);
      if (channel >= 0) {
        if (channels.has(channel)) continue;
        channels.add(channel);
      }
      events.push(event);
    }
    events.sort(canonicalOrder);
    for (const event of events) options.push({ kind: 'event', event });
    for (const fault of faults) options.push({ kind: 'fault', fault });
    return options;
  }

  /**
   * The faults that would strike something now (a crash of a node that is up, a drop of a live
   * link). A broker kill comes once per distinct database the last autosave could have written
   * (saved 0: none since the broker started), a broker restart once per distinct answer of
   * those databases to "does it hold message m" (all the restart's record reads of them).
   */
  applicableFaults(): InjectedFault[] {
    const out: InjectedFault[] = [];
    // Broker faults last: how many variants they come in depends on the databases, which the
    // search's state leaves out while no broker fault can strike; the other options must keep
    // their positions all the same (see canonicalOrder).
    const brokerFaults: InjectedFault[] = [];
    for (const fault of injectableFaults) {
      if (fault.kind === 'connection-drop') {
        const client = fault.link === 'producer' ? this.producer : this.consumer;
        if (this.connections.some((conn) => conn.alive && conn.client === client)) out.push(fault);
      } else if (!this.faultTarget(fault).up) {
        continue;
      } else if (fault.kind === 'broker-kill' || fault.kind === 'broker-restart') {
        this.savedVariants(fault, brokerFaults);
      } else {
        out.push(fault);
      }
    }
    return [...out, ...brokerFaults];
  }

  private savedVariants(fault: InjectedFault, out: InjectedFault[]): void {
    out.push(fault);
    if (this.saves.length === 0) return;
    const seen = new Set<string>();
    const messages = fault.kind === 'broker-restart' ? this.phases.messages() : [];
    const kill = fault.kind === 'broker-kill';
    seen.add(kill ? this.crashToken(this.broker.state) : this.holdsVector(this.broker.state, messages));
    const variants: { readonly order: string; readonly fault: InjectedFault }[] = [];
    this.saves.forEach((saved, index) => {
      const key = kill ? saved.token : this.holdsVector(saved.state, messages);
      if (seen.has(key)) return;
      seen.add(key);
      variants.push({ order: kill ? this.stableTextOf(saved.state) : key, fault: { kind: fault.kind, saved: index + 1 } });
    });
    // By content, not by when the broker reached it: the same order on every path (see canonicalOrder).
    variants.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    for (const variant of variants) out.push(variant.fault);
  }

  private stableTextOf(state: unknown): string {
    let text = this.stableTexts.get(state as object);
    if (text === undefined) {
      text = stableText(state);
      this.stableTexts.set(state as object, text);
    }
    return text;
  }

  /** canonicalText of what a kill leaves of `state` without a further save: one per broker state. */
  private crashToken(state: unknown): string {
    let token = this.crashTokens.get(state as object);
    if (token === undefined) {
      token = canonicalText(this.broker.model.crash(state));
      this.crashTokens.set(state as object, token);
    }
    return token;
  }

  private holdsVector(state: unknown, messages: readonly MessageId[]): string {
    const snapshotHolds = this.broker.model.snapshotHolds;
    return messages.map((message) => (snapshotHolds?.(state, message) ? '1' : '0')).join('');
  }

  /** The broker state a broker fault's chosen database leaves, or undefined for saved 0 (the disk as it is). */
  private savedState(fault: InjectedFault): unknown {
    if (fault.saved === undefined || fault.saved === 0) return undefined;
    const saved = this.saves[fault.saved - 1];
    assert(saved !== undefined, () => `no saved database #${fault.saved}`);
    return saved.state;
  }

  /**
   * Lazy autosave: if the broker is up with its autosave armed and has moved to a new state,
   * note the database an autosave now would write (as the state a kill would then leave).
   */
  private noteSave(): void {
    const broker = this.broker;
    if (!this.notesSaves || !broker.up || broker.state === this.savesSource) return;
    const timer = this.pending.find((event) => event.background && event.payload.kind === 'timer' && event.payload.node === broker);
    if (timer === undefined || timer.payload.kind !== 'timer') return;
    this.savesSource = broker.state;
    // The broker wrote its database itself (a save before acknowledging, or after N changes): an
    // autosave before that write is overwritten on disk, so a kill can no longer leave it.
    const durable = this.crashToken(broker.state);
    if (durable !== this.durableToken) {
      this.durableToken = durable;
      this.saves = [];
    }
    const name = timer.payload.timer;
    const result = broker.model.step(broker.state, { kind: 'timer', timer: name }, this.nowMs);
    // What makes laziness sound: the timer writes the disk and re-arms itself, nothing else.
    assert(
      result.effects.every((effect) => effect.kind === 'set-timer' && effect.timer === name && effect.background === true),
      () => `the broker's background timer ${name} does more than save: ${JSON.stringify(result.effects)}`,
    );
    const state = broker.model.crash(result.state);
    const token = canonicalText(state);
    if (this.saves.some((saved) => saved.token === token)) return;
    this.saves = [...this.saves, { state, token, afterEvent: this.eventsDone, atMs: this.nowMs }];
  }

  /**
   * A name for an option that does not depend on connection numbers or sequence numbers, so that
   * a counterfactual run (the same path without one fault, src/check/exhaustive-culprit.ts)
   * can find "the same" step again; a broker fault names the database it chose by content.
   */
  optionKey(option: StepOption): string {
    switch (option.kind) {
      case 'end':
        return 'end';
      case 'fault': {
        const saved = this.savedState(option.fault);
        return `fault ${faultLabel(option.fault)}${saved === undefined ? '' : ` saved ${canonicalText(saved)}`}`;
      }
      case 'event':
        return eventKey(option.event.payload);
      default:
        return unreachable(option);
    }
  }

  /** The option as a person reads it: optionKey, with a chosen database named by when it was reached. */
  describeOption(option: StepOption): string {
    if (option.kind === 'fault' && option.fault.saved !== undefined && option.fault.saved > 0) {
      const saved = this.saves[option.fault.saved - 1];
      return `fault ${faultLabel(option.fault)}, last autosave after event ${saved?.afterEvent ?? '?'}`;
    }
    return this.optionKey(option);
  }

  take(option: StepOption): void {
    switch (option.kind) {
      case 'event': {
        const event = option.event;
        const at = this.pending.indexOf(event);
        assert(at >= 0, () => `option ${this.optionKey(option)} is not pending`);
        this.pending.splice(at, 1);
        // Every step has an instant of its own (as a fault has): time orders the history as the
        // steps do, so nothing recorded later can share an earlier step's time (the properties'
        // "subscribed at or before the publish" is history order), and the clock is in no state.
        this.nowMs = Math.max(this.nowMs + 1, event.atMs);
        if (!event.background) this.foregroundPending -= 1;
        this.dispatch(event.payload);
        this.eventsDone += 1;
        break;
      }
      case 'fault':
        // A fault strikes at an instant of its own, after everything before it: so "struck
        // before the violation was decided" (signature.ts compares times) is history order.
        this.nowMs += 1;
        const chosen = option.fault.saved === undefined || option.fault.saved === 0 ? undefined : this.saves[option.fault.saved - 1];
        if (chosen !== undefined && this.log) {
          this.record({ atMs: this.nowMs, kind: 'autosaved', node: this.broker.name, savedAtMs: chosen.atMs, afterEvent: chosen.afterEvent });
        }
        this.strikeFault(option.fault, this.faultRecords.length, this.savedState(option.fault));
        if (option.fault.kind === 'broker-kill' || option.fault.kind === 'broker-restart') {
          this.saves = [];
          this.savesSource = undefined;
          this.durableToken = undefined;
        }
        break;
      case 'end':
        throw new Error('the end option ends a run; it is not taken');
      default:
        unreachable(option);
    }
    this.purgeDead();
    this.noteSave();
  }

  /**
   * Drops pending events that can no longer do anything, so they neither multiply the orders
   * to try nor tell apart states that behave alike: packets on a connection that died or whose
   * receiving end stopped reading (logged as lost now, which timed mode logs at their arrival
   * time), and notices of a connection's end that reach nobody. Timers set again, cancelled or
   * of a crashed node are dropped where that happens (forgetTimers).
   */
  private purgeDead(): void {
    const pending = this.pending;
    let kept = 0;
    for (let i = 0; i < pending.length; i += 1) {
      const event = pending[i] as WorldEvent;
      const payload = event.payload;
      if (this.isDead(payload)) {
        if (!event.background) this.foregroundPending -= 1;
        if (payload.kind === 'arrive' && this.log) {
          const { conn, from, to, packet } = payload;
          this.record({ atMs: this.nowMs, kind: 'lost', from: from.name, to: to.name, conn: conn.id, packet });
        }
        continue;
      }
      pending[kept++] = event;
    }
    pending.length = kept;
  }

  /** Whether dispatching the event would change nothing but the log (see World.arrive, hangup, linkUp). */
  private isDead(payload: Payload): boolean {
    switch (payload.kind) {
      case 'arrive': {
        const conn = payload.conn;
        return !conn.alive || !(payload.to === this.broker ? conn.brokerReads : conn.clientReads);
      }
      case 'hangup': {
        const { conn, node } = payload;
        if (conn.alive) return false;
        const isBroker = node === this.broker;
        const reads = isBroker ? conn.brokerReads : conn.clientReads;
        const heard = isBroker ? conn.brokerHeardClose : conn.clientHeardClose;
        return !reads || heard || !node.up || node.incarnation !== payload.incarnation;
      }
      case 'link-up': {
        const client = payload.conn.client;
        return !payload.conn.alive && (!client.up || client.incarnation !== payload.clientIncarnation);
      }
      default:
        return false;
    }
  }

  snapshot(): WorldSnapshot {
    return {
      nowMs: this.nowMs,
      seq: this.seq,
      foregroundPending: this.foregroundPending,
      nextConnId: this.nextConnId,
      offlineDepth: this.offlineDepth,
      eventsDone: this.eventsDone,
      pending: this.pending.slice(),
      slots: this.slots.map((slot) => ({ state: slot.state, up: slot.up, incarnation: slot.incarnation, timerGenerations: timersOf(slot) })),
      connections: this.connections,
      connectionFields: connectionFieldsOf(this.connections),
      history: this.history,
      faultRecords: this.faultRecords,
      log: this.log,
      lengths: [this.connections.length, this.history.length, this.faultRecords.length, this.log?.length ?? 0],
      phases: this.phases.state(),
      script: this.script.state(),
      saves: this.saves,
      savesSource: this.savesSource,
      durableToken: this.durableToken,
    };
  }

  /**
   * Back to a snapshot of this world, taken at any earlier point. Connection objects are shared
   * with the snapshot (pending events refer to them); their fields are written back.
   */
  restore(snapshot: WorldSnapshot): void {
    this.nowMs = snapshot.nowMs;
    this.seq = snapshot.seq;
    this.foregroundPending = snapshot.foregroundPending;
    this.nextConnId = snapshot.nextConnId;
    this.offlineDepth = snapshot.offlineDepth;
    this.eventsDone = snapshot.eventsDone;
    this.pending = snapshot.pending.slice();
    snapshot.slots.forEach((saved, index) => {
      const slot = this.slots[index] as Slot;
      slot.state = saved.state;
      slot.up = saved.up;
      slot.incarnation = saved.incarnation;
      slot.timerGenerations.clear();
      for (let i = 0; i < saved.timerGenerations.length; i += 2) {
        slot.timerGenerations.set(saved.timerGenerations[i] as string, saved.timerGenerations[i + 1] as number);
      }
    });
    const [connections, history, faultRecords, log] = snapshot.lengths;
    this.connections = snapshot.connections.slice(0, connections);
    const fields = snapshot.connectionFields;
    for (let index = 0; index < connections; index += 1) {
      const conn = this.connections[index] as Connection;
      const bits = fields[index * 3] as number;
      conn.alive = (bits & 1) !== 0;
      conn.brokerReads = (bits & 2) !== 0;
      conn.clientReads = (bits & 4) !== 0;
      conn.brokerHeardClose = (bits & 8) !== 0;
      conn.clientHeardClose = (bits & 16) !== 0;
      conn.lastArrivalToBrokerMs = fields[index * 3 + 1] as number;
      conn.lastArrivalToClientMs = fields[index * 3 + 2] as number;
    }
    this.history = snapshot.history.slice(0, history);
    this.faultRecords = snapshot.faultRecords.slice(0, faultRecords);
    this.log = snapshot.log?.slice(0, log);
    this.phases.restore(snapshot.phases);
    this.script.restore(snapshot.script);
    this.saves = snapshot.saves;
    this.savesSource = snapshot.savesSource;
    this.durableToken = snapshot.durableToken;
  }

  view(): WorldView {
    return {
      nowMs: this.nowMs,
      nodes: this.slots,
      connections: this.connections,
      pending: this.pending,
      script: this.script.state(),
      phasesText: () => this.phases.text(),
      history: this.history,
      faults: this.faultRecords,
      offlineDepth: this.offlineDepth,
      saves: this.saves,
    };
  }
}
