// The canonical state of an exhaustive world: one string that is equal for two states exactly
// when nothing that can happen from them on — what the nodes do, and the verdict and the class
// of every run that ends later — can tell them apart. The exhaustive search keeps a visited set
// of these states (as ints, canonical-key.ts, with the same equivalence) and expands each state
// once, so this is where soundness lives: a hash too coarse
// merges states that differ in the future and silently drops counterexamples; one too fine only
// costs time. What goes in, and why each part is enough:
//
// 1. Every node's state (sorted keys), whether it is up, and, for every pending event, whether it
//    still addresses the node's current incarnation. Node states are the models' whole memory.
//    Incarnation numbers themselves only ever serve that comparison.
// 2. Connections and the events on them, with connection ids renamed to the client's name and
//    their rank among that client's connections the state refers to. The world and the models
//    compare connection ids only for equality, and for order only between one client's own
//    connections (`conn > connSeen`), where a new connection's id is larger than every earlier
//    one; so a renaming that keeps each client's order changes no behaviour, and states that
//    differ only in how the two clients' connections interleave in time are one. A record of
//    connections (the broker's `conns`) is written with its entries in the order of the new
//    names. This relies on the models keeping ids only in fields named `conn` or `connSeen`,
//    or as the keys of a record named `conns` (see sim/intern.ts; models/node.ts ConnId); a
//    model that hides one elsewhere must say so there.
//    A connection's flags (alive, which end still reads, which end heard it close) are included
//    for every connection the state refers to and every live one (a drop fault finds those).
// 3. Pending events as a multiset, except that the events of one FIFO channel (a connection
//    direction) keep their order. No times (see 5).
// 4. The publish script's state, the remaining fault budget (the search's), and, while any
//    fault can still strike, the phase tracker (which step each message reached, and which
//    packet id belongs to which message): a later fault records it, and the class of a
//    violation is read from the records. While a broker fault can still strike, the databases
//    the broker could have autosaved (sim/exhaustive-world.ts, lazy autosave): a kill chooses one.
// 5. An abstraction of the history that decides every property and every signature
//    (properties/*.ts, explore/signature.ts), per message: invoked, acknowledged, handled and
//    delivered counts capped at 2 (the properties ask "none", "one", "more than one"), the
//    reason of its first drop (a fault-free class names it), whether the consumer is owed it,
//    the invocation order and the order of first handlings (the order property), and for each
//    excess violation's evidence how many faults struck before it (signature.ts suspects a
//    fault that struck before the violation was decided; a fault in exhaustive mode strikes at
//    an instant of its own, so "before" is history order).
//    "Owed" compares virtual times: the consumer's first 'subscribed' at or before the
//    invocation (properties/expectations.ts). Every exhaustive step has an instant of its own
//    (sim/exhaustive-world.ts), so that is history order: a subscription still to come is later
//    than every invocation so far, and times decide nothing else.
// 6. The fault records (kind, target, and each message's step when it struck; for broker
//    faults whether the database held it): a signature names the culprits and the victim's phase.
//    No step reads them, so the search keeps them beside the rest (worldState) and simulates a
//    world state once for all the record lists that reach it (exhaustive.ts).
// What is left out: times and sequence numbers, connection numbers, the log, and
// latency keys (exhaustive mode uses the minimum latency), none of which a later step reads.
// One residue: the culprits of a violation with several suspects are decided by counterfactual
// runs (the same path without one fault, exhaustive-culprit.ts), which read the path, not the
// state; states merged here agree on the violations, the suspects and their phases.
// A test (canonical.test.ts) checks the claim where it can be checked: two walks of one state
// space in different orders reach the same hashes, each with the same successors.
import type { HistoryEvent } from '../../models/history.ts';
import type { WorldView } from '../sim/exhaustive-world.ts';
import { canonicalText, connMarkChar, connMarkPattern, connRecordOpen, connRecordPattern, connRecordSeparator } from '../sim/intern.ts';
import type { FaultRecord, Slot, WorldEvent } from '../sim/world.ts';

/** What the hash needs beyond the world: the run's fixed context. */
export interface CanonicalContext {
  readonly messageCount: number;
  readonly consumer: string;
  /** Whether the consumer's session is persistent (only then is it owed messages). */
  readonly persistent: boolean;
}

/** What the hash needs from the search: its remaining budget, and what that budget still allows. */
export interface SearchState {
  /** The remaining fault budget, as text. */
  readonly budget: string;
  /** Some fault can still strike: the phase tracker matters (see 4 above). */
  readonly faultsPossible: boolean;
  /** A broker fault can still strike: the databases the broker could have autosaved matter. */
  readonly brokerFaultsPossible: boolean;
}

interface MessageSummary {
  readonly invokedAtMs: number;
  readonly acked: boolean;
  readonly handled: number;
  readonly delivered: number;
  readonly dropped: string;
  /** Faults before its latest delivery, its latest handling or delivery, its first handling (-1: none yet). */
  readonly faultsBeforeDelivered: number;
  readonly faultsBeforeExcess: number;
  readonly faultsBeforeFirstHandled: number;
}

/** The history abstraction of 5 above, for one history prefix; immutable, shared along paths. */
export interface HistorySummary {
  /** Index = message id; undefined until invoked (a drop or delivery before is impossible: index checks it). */
  readonly messages: readonly (MessageSummary | undefined)[];
  readonly subscribedAtMs: number | undefined;
  readonly invocationOrder: string;
  readonly handlingOrder: string;
  readonly invoked: number;
  readonly faults: number;
}

const untouched: MessageSummary = {
  invokedAtMs: -1,
  acked: false,
  handled: 0,
  delivered: 0,
  dropped: '',
  faultsBeforeDelivered: -1,
  faultsBeforeExcess: -1,
  faultsBeforeFirstHandled: -1,
};

function withMessage(summary: HistorySummary, message: number, change: (current: MessageSummary) => MessageSummary): HistorySummary {
  const messages = summary.messages.slice();
  messages[message] = change(messages[message] ?? untouched);
  return { ...summary, messages };
}

function connMark(id: number, conns: number[]): string {
  if (id < 1) return String(id);
  conns.push(id);
  return `${connMarkChar}${id}${connMarkChar}`;
}

/** Connection ids marked in `text`, added to `conns`. */
function collectConns(text: string, conns: number[]): void {
  if (!text.includes(connMarkChar)) return;
  for (const match of text.matchAll(connMarkPattern)) conns.push(Number(match[1]));
}

/**
 * A marked text (sim/intern.ts) with its connection ids renamed by `name`, and each record of
 * connections written with its entries sorted by their new names.
 */
export function renameConns(marked: string, name: ReadonlyMap<number, string>): string {
  if (!marked.includes(connMarkChar)) return marked;
  const text = marked.replace(connMarkPattern, (_match, id: string) => name.get(Number(id)) as string);
  return text.includes(connRecordOpen) ? text.replace(connRecordPattern, (_match, entries: string) => `{${entries.split(connRecordSeparator).sort().join(',')}}`) : text;
}

/** The FIFO channel of an event in the canonical state (3 above), or -1 for an event on none. */
export function channelOf(event: WorldEvent, broker: Slot): number {
  const payload = event.payload;
  if (payload.kind === 'arrive') return payload.conn.id * 2 + (payload.to === broker ? 0 : 1);
  if (payload.kind === 'hangup' && payload.ordered) return payload.conn.id * 2 + (payload.node === broker ? 0 : 1);
  return -1;
}

/** The canonical state for one search: its context, and caches of what never changes once made. */
export class Canonicalizer {
  private readonly empty: HistorySummary;
  /** By a history's last event: the summary of the history up to it (events are made once, on one path). */
  private readonly summaries = new WeakMap<HistoryEvent, HistorySummary>();
  private readonly faultTexts = new WeakMap<FaultRecord, string>();
  /** An event's text without the parts read from the world at hashing time (liveness, time). */
  private readonly eventTexts = new WeakMap<WorldEvent, string>();

  constructor(private readonly context: CanonicalContext) {
    this.empty = { messages: [], subscribedAtMs: undefined, invocationOrder: '', handlingOrder: '', invoked: 0, faults: 0 };
  }

  /** The canonical string of a state (see the head of this file). */
  state(view: WorldView, search: SearchState): string {
    return `${this.worldState(view, search)}\nF${this.faultsText(view.faults)}`;
  }

  /**
   * The canonical string of a state without its fault records (6 above): what the nodes, the
   * network and the history abstraction will do next depends on it alone, since no step reads a
   * fault record. The records only ever gain one at a fault (faultText, read from the state the
   * fault struck in, which holds the phases while any fault can strike), so the search can walk
   * these states and carry the records alongside (exhaustive.ts).
   */
  worldState(view: WorldView, search: SearchState): string {
    const conns: number[] = [];
    const summary = this.summaryOf(view.history);
    const history = this.historyText(summary);
    const broker = view.nodes[0] as Slot;
    let nodes = '';
    for (const node of view.nodes) {
      const text = canonicalText(node.state);
      collectConns(text, conns);
      nodes += `|${node.name}${node.up ? '+' : '-'}${text}`;
    }
    const loose: string[] = [];
    const channels = new Map<number, string>();
    for (const event of view.pending) {
      // The broker's background timer is applied lazily (exhaustive-world.ts): the saves below stand for it.
      if (event.background && event.payload.kind === 'timer' && event.payload.node === broker) continue;
      const text = this.eventText(event, conns, broker);
      const channel = channelOf(event, broker);
      if (channel < 0) loose.push(text);
      else channels.set(channel, `${channels.get(channel) ?? ''}${text};`);
    }
    for (const conn of view.connections) if (conn.alive) conns.push(conn.id);
    const ids = [...new Set(conns)].sort((a, b) => a - b);
    const name = new Map<number, string>();
    const perClient = new Map<string, number>();
    const named: string[] = [];
    for (const id of ids) {
      const conn = view.connections[id - 1];
      if (conn === undefined || conn.id !== id) throw new Error(`canonical state: unknown connection ${id}`);
      const client = conn.client.name;
      const rank = perClient.get(client) ?? 0;
      perClient.set(client, rank + 1);
      const connName = `${client}.${rank}`;
      name.set(id, connName);
      named.push(`|${connName}${conn.alive ? 1 : 0}${conn.brokerReads ? 1 : 0}${conn.clientReads ? 1 : 0}${conn.brokerHeardClose ? 1 : 0}${conn.clientHeardClose ? 1 : 0}`);
    }
    const renamed = (marked: string): string => renameConns(marked, name);
    const connText = named.sort().join('');
    const events = loose.map(renamed).sort().join(',');
    const queues = [...channels.values()].map(renamed).sort().join('');
    const script = view.script;
    let text = `${renamed(nodes)}\nC${connText}\nE${events}\nQ${queues}`;
    text += `\nS${script.nextMessage},${script.awaited},${script.diedAwaiting},${script.dueOnRestart.join('.')},${view.offlineDepth}`;
    text += `\nB${search.budget}\nH${history}`;
    if (search.brokerFaultsPossible) text += `\nD${view.saves.map((saved) => saved.token).sort().join(',')}`;
    if (search.faultsPossible) text += `\nP${view.phasesText()}`;
    return text;
  }

  /** The history abstraction (5 above) of a history; the same object for the same prefix of one path. */
  summaryOf(history: readonly HistoryEvent[]): HistorySummary {
    // Walk back to the longest prefix summarized already, then forward.
    let start = history.length;
    let summary = this.empty;
    while (start > 0) {
      const cached = this.summaries.get(history[start - 1] as HistoryEvent);
      if (cached !== undefined) {
        summary = cached;
        break;
      }
      start -= 1;
    }
    for (let i = start; i < history.length; i += 1) {
      const event = history[i] as HistoryEvent;
      summary = this.step(summary, event);
      this.summaries.set(event, summary);
    }
    return summary;
  }

  private step(summary: HistorySummary, event: HistoryEvent): HistorySummary {
    const consumer = this.context.consumer;
    switch (event.kind) {
      case 'fault':
        return { ...summary, faults: summary.faults + 1 };
      case 'subscribed':
        return event.node === consumer && summary.subscribedAtMs === undefined ? { ...summary, subscribedAtMs: event.atMs } : summary;
      case 'publish-invoked': {
        const next = withMessage(summary, event.message, (m) => ({ ...m, invokedAtMs: event.atMs }));
        return { ...next, invocationOrder: `${summary.invocationOrder}${event.message}.`, invoked: summary.invoked + 1 };
      }
      case 'publish-acked':
        return withMessage(summary, event.message, (m) => ({ ...m, acked: true }));
      case 'delivered':
        if (event.node !== consumer) return summary;
        return withMessage(summary, event.message, (m) => ({
          ...m,
          delivered: Math.min(2, m.delivered + 1),
          faultsBeforeDelivered: summary.faults,
          faultsBeforeExcess: summary.faults,
        }));
      case 'handled': {
        if (event.node !== consumer) return summary;
        const first = (summary.messages[event.message] ?? untouched).handled === 0;
        const next = withMessage(summary, event.message, (m) => ({
          ...m,
          handled: Math.min(2, m.handled + 1),
          faultsBeforeExcess: summary.faults,
          faultsBeforeFirstHandled: first ? summary.faults : m.faultsBeforeFirstHandled,
        }));
        return first ? { ...next, handlingOrder: `${summary.handlingOrder}${event.message}.` } : next;
      }
      case 'message-dropped':
        return withMessage(summary, event.message, (m) => (m.dropped === '' ? { ...m, dropped: event.reason } : m));
      case 'publish-sent':
      case 'handling-started':
      case 'restarted':
        return summary;
      default: {
        const never: never = event;
        throw new Error(`unknown history event ${JSON.stringify(never)}`);
      }
    }
  }

  /** The history abstraction's text (see 5 above). */
  historyText(summary: HistorySummary): string {
    const { persistent, messageCount } = this.context;
    const subscribedAtMs = summary.subscribedAtMs;
    let text = `s${subscribedAtMs === undefined ? 0 : 1}|i${summary.invocationOrder}|h${summary.handlingOrder}`;
    for (let m = 1; m <= messageCount; m += 1) {
      const entry = summary.messages[m];
      let owed = '-';
      if (entry !== undefined && entry.invokedAtMs >= 0) {
        owed = persistent && subscribedAtMs !== undefined && subscribedAtMs <= entry.invokedAtMs ? 'y' : 'n';
      }
      const e = entry ?? untouched;
      text += `|${m}:${owed}${e.acked ? 'a' : ''}h${e.handled}d${e.delivered}${e.dropped}k${e.faultsBeforeDelivered},${e.faultsBeforeExcess},${e.faultsBeforeFirstHandled}`;
    }
    return text;
  }

  private faultsText(faults: readonly FaultRecord[]): string {
    let text = '';
    for (const fault of faults) text += this.faultText(fault);
    return text;
  }

  /** One fault record as 6 above has it: kind, target, each message's step (and, for broker faults, whether the database held it). */
  faultText(fault: FaultRecord): string {
    let cached = this.faultTexts.get(fault);
    if (cached === undefined) {
      const broker = fault.kind === 'broker-kill' || fault.kind === 'broker-restart';
      cached = `|${fault.kind}>${fault.target}`;
      for (let m = 1; m <= this.context.messageCount; m += 1) {
        const phase = fault.phases.find((entry) => entry.message === m);
        if (phase !== undefined) cached += `;${m}:${phase.step}${broker && phase.inSnapshot ? '+' : ''}`;
      }
      this.faultTexts.set(fault, cached);
    }
    return cached;
  }

  private eventText(event: WorldEvent, conns: number[], broker: Slot): string {
    const payload = event.payload;
    if (payload.kind === 'arrive' || payload.kind === 'hangup' || payload.kind === 'link-up') conns.push(payload.conn.id);
    return this.baseText(event) + eventSuffix(event, broker);
  }

  /** An event's text without the parts read from the world at hashing time (eventSuffix): made once per event. */
  baseText(event: WorldEvent): string {
    let base = this.eventTexts.get(event);
    if (base === undefined) {
      base = baseEventText(event);
      this.eventTexts.set(event, base);
    }
    return base;
  }
}

/** What an event's text says of the world as it stands: whether the event still addresses its node's incarnation ('x', 'y' for a link-up's broker). */
export function eventSuffix(event: WorldEvent, broker: Slot): '' | 'x' | 'y' | 'xy' {
  const payload = event.payload;
  switch (payload.kind) {
    case 'hangup':
      return payload.incarnation !== payload.node.incarnation ? 'x' : '';
    case 'link-up': {
      const x = payload.clientIncarnation !== payload.conn.client.incarnation;
      const y = payload.brokerIncarnation !== broker.incarnation;
      return x ? (y ? 'xy' : 'x') : y ? 'y' : '';
    }
    case 'timer': {
      const node = payload.node;
      return node.up && node.incarnation === payload.incarnation && node.timerGenerations.get(payload.timer) === payload.generation ? '' : 'x';
    }
    default:
      return '';
  }
}

function baseEventText(event: WorldEvent): string {
  const payload = event.payload;
  const ignored: number[] = [];
  switch (payload.kind) {
    case 'arrive':
      return `A${connMark(payload.conn.id, ignored)}>${payload.to.name}:${canonicalText(payload.packet)}`;
    case 'hangup':
      return `H${connMark(payload.conn.id, ignored)}>${payload.node.name}${payload.ordered ? 'o' : ''}`;
    case 'link-up':
      return `L${connMark(payload.conn.id, ignored)}`;
    case 'timer':
      return `T${payload.node.name}.${payload.timer}${event.background ? 'b' : ''}`;
    case 'publish':
      return `P${payload.message}`;
    case 'restart':
      return `R${payload.node.name}`;
    case 'offline':
    case 'online':
    case 'fault':
    case 'stop':
      return payload.kind;
    default: {
      const never: never = payload;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}
