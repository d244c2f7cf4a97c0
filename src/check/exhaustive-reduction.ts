// Partial-order reduction of the exhaustive search: at some states only the steps of one client
// are offered, because every other step commutes with them and none can happen "between" them
// in a way that matters. This is a persistent set in the sense of Godefroid ("Partial-Order
// Methods for the Verification of Concurrent Systems", 1996, ch. 4): a set T of the steps
// enabled at a state s such that along every path from s made of steps outside T, each step is
// independent of every step of T (it neither enables nor disables one, and the two orders reach
// one state). A search that takes only T at s still reaches every end state reachable from s
// (ch. 4, theorem 4.3: by induction on the path, the first step of T on it moves to the front,
// which is why no proviso against cycles is needed for end states), and by a path of the same
// length: the moved path is a permutation of the old one. So the class list and the shortest
// length of each class stay as the unreduced search has them (exhaustive-reduction.test.ts
// compares the two on small bounds).
//
// The set used here: a client X that stands alone. X stands alone at s when
//  (1) every connection of X is dead: the broker cannot send to X, close or sever X's
//      connections (World.send, close and sever act on live ones only), and no step of the
//      broker or of the other client can make an event for X or change X's state, its
//      timers or its side of a connection; only X's own steps can (a reconnect opens a new
//      connection, a timer sets the next);
//  (1') or live but refused to be: its link-up is pending and remembers a broker incarnation
//      before the broker's last crash, so World.linkUp refuses it whatever happens first
//      (incarnations only grow), and the broker never learns of it; provided no broker fault
//      and no drop of X's link can strike, the only other steps that touch a live connection;
//  (2) no crash of X can strike at s or later without a step of X (its budget is spent or its
//      kind is not searched); a link drop of X needs a live connection of X (1);
//  (3) every option of X at s is a timer of X, a notice to X that a connection ended, X's
//      restart (X is down: it crashed, and cannot crash again, 2) or a link-up the broker will
//      refuse whatever happens (as in 1'; on a dead connection nothing else touches it), none
//      of them a resend (the resend budget is shared along the path), and at least one is a
//      foreground event: until a step of X is taken, the run cannot end (the 'end' option
//      depends on every step) and no step of X goes away (an event of X dies only by X's own
//      crash or steps: ExhaustiveWorld.isDead);
//  (4) each of those steps, taken at s, changes nothing outside X: no history event (the
//      properties and the history abstraction read the history's order), no phase (a fault
//      records the phases when it strikes) — (4') but the 'restarted' of a restart, which the
//      properties skip (properties/history-index.ts), the history abstraction ignores
//      (canonical.ts) and signatures never name, so its place among the others' events is
//      read by nothing —, not the publish script, not the other nodes nor
//      the broker's side of any connection, no pending event but X's; if it opens a
//      connection, no broker fault can strike any more (the connection's link-up remembers
//      the broker's incarnation, which a broker crash changes: the order would matter).
// Then T = the options of X is persistent. A step u outside T taken before any step of T is a
// step of the broker or the other client, or a fault on them (1, 2). Such a step reads nothing
// a step of X writes — X's state and timers, X's side of X's dead connections, and, for a new
// connection, only its id (the canonical state renames ids by rank within a client, see
// canonical.ts) — and writes nothing a step of X reads — the same, plus the broker's
// incarnation when the step opens a connection (4) — so the step of X does at the state after u
// what it does at s (4 holds there too), the two orders reach one world state, and u creates no
// event of X and kills none (1, 3). Faults after or before X's step record the same phases (4),
// and the history holds the same events in the same order (4), so the fault records and every
// verdict agree too. Condition (4) is checked by taking each step (outsideOf below); (1) to (3)
// are read from the state and the budget.
//
// A second set, once no fault can strike any more on the path (every budget spent): a client X
// is quiet when
//  (Q1) no fault can strike: no crash, no sever, so no hangup that is not on a channel;
//  (Q2) every option of X is an event on a channel (a packet, or an orderly close, arriving), a
//       notice to X that a connection was severed (only a fault severs one), or a timer of X,
//       none a link-up (it changes the broker) nor a resend; at least one of
//       them is a foreground event;
//  (Q3) every live connection X reads from has an event pending to X: anything the broker sends
//       or closes on it later queues behind that one (TCP is FIFO, channelOf), so no step of
//       another node can add an option of X or change what X's options do;
//  (Q4) the consumer's first 'subscribed' is in the history already: whether the consumer is
//       owed a message compares it with the producer's publish calls (properties/expectations.ts),
//       the one order between two nodes' history events that the verdicts read (canonical.ts, 5);
//       every other order they read is one node's own (invocations, handlings) or a count;
//  (Q5) each step of X, taken at s, changes nothing of the other nodes, of the other client's
//       connections or of the broker's side of X's, records history events of X only, changes
//       the publish script only if X is the producer, and adds pending events only at the end:
//       X's own, or the broker's on X's connections (behind what is queued there already).
// Then T = the options of X is persistent: a step u of another node before any step of X reads
// and writes nothing a step of X does, but the FIFO channels between them, where u only appends
// behind X's pending head (Q3) and a step of X only takes its own head and appends to the
// broker's channels (Q5); the history events of the two are of different nodes, so both orders
// leave every count and every one-node order the same (Q4), and no fault remains to record the
// phases the order would change. A channel X's step appends to that was empty gains a step of
// the broker that cannot happen before X's step anyway.
//
// A third set, while faults can still strike but none on X, its link or the broker: a client X
// is sheltered when
//  (S1) no crash of X, no drop of X's link and no broker fault can strike on the path any more:
//       the faults left are the other client's crash and its link's drop, which touch only that
//       client and its connections (a crash severs the crashed node's connections, a drop its
//       link's: World.strikeFault, sever);
//  (S2) = Q2 and Q3: every option of X is an arrival, a notice of a connection's end or a timer
//       of X, none a link-up nor a resend, at least one foreground; every live connection X
//       reads from has an event pending to X, so nothing another node does later adds an
//       option of X or changes what X's options do (it queues behind, channelOf);
//  (S3) each step of X, taken at s, records no history event and changes no phase, changes
//       nothing of the other nodes, of the other client's connections, of the broker's side of
//       X's connections, nor the publish script, and adds pending events only for the broker on
//       X's own connections (Q5 without its history events).
// Then T = the options of X is persistent, by the argument of the quiet set: a step u outside T
// (a step of the broker or of the other client, or a fault on the other client, S1) reads and
// writes nothing a step of X does but the FIFO channels, where they commute (S2, S3). What the
// quiet set needs Q1 and Q4 for is a fault that strikes between the two orders, or a history
// event of X whose order with another node's the verdicts read: a fault left (on the other
// client) records the phases and counts the faults before each delivery and handling (canonical.ts,
// 5), and X's steps change neither the phases nor the history (S3), so both orders record the
// same, and there is no history event of X to order.
import type { StepOption, WorldView } from '../sim/exhaustive-world.ts';
import type { Connection, Payload, Slot, WorldEvent } from '../sim/world.ts';
import { resendPayloadOf } from '../../models/producer-outbox.ts';

/** The node an event is addressed to: the one whose state its dispatch reads and changes first. */
export function addressee(event: WorldEvent, producer: Slot): Slot {
  const payload = event.payload;
  switch (payload.kind) {
    case 'arrive':
      return payload.to;
    case 'link-up':
      return payload.conn.client;
    case 'hangup':
    case 'timer':
    case 'restart':
      return payload.node;
    default:
      // A publish falls due with the producer; a scenario's offline periods and faults are not
      // part of an exhaustive scenario (World's constructor asserts it), and count as the producer's.
      return producer;
  }
}

/**
 * The options of a client, by index, if each is an event `allowed` accepts and none is a resend
 * (the resend budget is the path's), and at least one is a foreground event; else null.
 */
function clientSteps(view: WorldView, options: readonly StepOption[], client: Slot, allowed: (payload: Payload) => boolean): number[] | null {
  const producer = view.nodes[1] as Slot;
  const steps: number[] = [];
  let foreground = false;
  for (let index = 0; index < options.length; index += 1) {
    const option = options[index] as StepOption;
    if (option.kind !== 'event' || addressee(option.event, producer) !== client) continue;
    const payload = option.event.payload;
    if (!allowed(payload) || (payload.kind === 'timer' && resendPayloadOf(payload.timer) !== null)) return null;
    foreground ||= !option.event.background;
    steps.push(index);
  }
  return foreground ? steps : null;
}

/** The steps of a client that stands alone (conditions 1 to 3 of the head), or null. */
/** What the budget still allows on the path: a crash of the client, a drop of its link, a broker fault. */
export interface FaultsLeft {
  readonly crash: boolean;
  readonly link: boolean;
  readonly broker: boolean;
}

/** Whether an event is a link-up the broker will refuse whatever happens: it remembers a broker incarnation that crashed since. */
function refusedLinkUp(event: WorldEvent, broker: Slot): boolean {
  return event.payload.kind === 'link-up' && event.payload.brokerIncarnation !== broker.incarnation;
}

/** The steps of a client that stands alone (conditions 1 to 3 of the head), or null. */
export function aloneCandidate(view: WorldView, options: readonly StepOption[], client: Slot, left: FaultsLeft): number[] | null {
  if (left.crash) return null;
  const broker = view.nodes[0] as Slot;
  const refused = new Set<Connection>();
  for (const event of view.pending) if (refusedLinkUp(event, broker) && event.payload.kind === 'link-up') refused.add(event.payload.conn);
  const live = view.connections.filter((conn) => conn.alive && conn.client === client);
  if (live.some((conn) => !refused.has(conn))) return null;
  // A connection refused to be (1'): a drop of the client's link or a broker fault would sever it.
  if (live.length > 0 && (left.link || left.broker)) return null;
  return clientSteps(
    view,
    options,
    client,
    (payload) => payload.kind === 'timer' || payload.kind === 'hangup' || payload.kind === 'restart' || (payload.kind === 'link-up' && refused.has(payload.conn)),
  );
}

/** Whether no fault can strike any more, and the consumer has subscribed: what a quiet client needs besides its own state (Q1, Q4). */
export function quietWorld(view: WorldView, faultsPossible: boolean): boolean {
  if (faultsPossible) return false;
  const consumer = view.nodes[2] as Slot;
  return view.history.some((event) => event.kind === 'subscribed' && event.node === consumer.name);
}

/** The steps of a quiet client (conditions Q2 and Q3 of the head; the caller checked quietWorld), or null. */
export function quietCandidate(view: WorldView, options: readonly StepOption[], client: Slot): number[] | null {
  // A notice of a severed connection is the client's too: with no fault left, no other step makes or kills one.
  const steps = clientSteps(view, options, client, (payload) => payload.kind === 'timer' || payload.kind === 'arrive' || payload.kind === 'hangup');
  if (steps === null) return null;
  const heads = new Set<Connection>();
  for (const index of steps) {
    const option = options[index] as StepOption;
    const payload = option.kind === 'event' ? option.event.payload : null;
    if (payload?.kind === 'arrive' || (payload?.kind === 'hangup' && payload.ordered)) heads.add(payload.conn);
  }
  for (const conn of view.connections) if (conn.client === client && conn.alive && conn.clientReads && !heads.has(conn)) return null;
  return steps;
}

/** The steps of a sheltered client (S1 and S2 of the head), or null. */
export function shelteredCandidate(view: WorldView, options: readonly StepOption[], client: Slot, left: FaultsLeft): number[] | null {
  if (left.crash || left.link || left.broker) return null;
  return quietCandidate(view, options, client);
}

/** Whether a step of a sheltered client from the state `before` stayed within S3: Q5, and no history event, no phase, no change of the script. */
export function stayedSheltered(before: Outside, after: WorldView): boolean {
  return after.history.length === before.history && after.phasesText() === before.phases && outsideOf(after, before.client).script === before.script && stayedQuiet(before, after);
}

/** Everything outside one client that a step could change (condition 4 of the head). */
export interface Outside {
  readonly client: Slot;
  readonly history: number;
  readonly phases: string;
  readonly script: string;
  readonly offlineDepth: number;
  readonly saves: unknown;
  readonly nodes: readonly (readonly unknown[])[];
  readonly connections: number;
  /** Per connection, the fields no step of the client may change. */
  readonly connectionFields: readonly string[];
  readonly events: readonly WorldEvent[];
}

function timersText(slot: Slot): string {
  let text = '';
  for (const [timer, generation] of slot.timerGenerations) text += `${timer}=${generation};`;
  return text;
}

function fieldsOf(conn: Connection, client: Slot): string {
  const own = conn.client === client;
  // The client's own side of its connections is its to change; all of another's, and the broker's side, are not.
  return `${conn.alive ? 1 : 0}${conn.brokerReads ? 1 : 0}${conn.brokerHeardClose ? 1 : 0}${own ? '' : `${conn.clientReads ? 1 : 0}${conn.clientHeardClose ? 1 : 0}`}`;
}

export function outsideOf(view: WorldView, client: Slot): Outside {
  const producer = view.nodes[1] as Slot;
  const script = view.script;
  return {
    client,
    history: view.history.length,
    phases: view.phasesText(),
    script: `${script.nextMessage},${script.awaited},${script.diedAwaiting},${script.dueOnRestart.join('.')}`,
    offlineDepth: view.offlineDepth,
    saves: view.saves,
    nodes: view.nodes.filter((node) => node !== client).map((node) => [node.state, node.up, node.incarnation, timersText(node)]),
    connections: view.connections.length,
    connectionFields: view.connections.map((conn) => fieldsOf(conn, client)),
    events: view.pending.filter((event) => addressee(event, producer) !== client),
  };
}

/**
 * Whether a step of a quiet client from the state `before` changed nothing of the others beyond
 * what Q5 allows: history events of its own, the script if it is the producer's, and events
 * appended for the broker on the client's connections.
 */
export function stayedQuiet(before: Outside, after: WorldView): boolean {
  const client = before.client;
  const now = outsideOf(after, client);
  const producer = after.nodes[1] as Slot;
  if (now.offlineDepth !== before.offlineDepth || now.saves !== before.saves) return false;
  if (client !== producer && now.script !== before.script) return false;
  if (after.history.slice(before.history).some((event) => event.node !== client.name)) return false;
  if (now.nodes.some((fields, at) => fields.some((value, index) => value !== before.nodes[at]?.[index]))) return false;
  for (let at = 0; at < before.connections; at += 1) {
    const conn = after.connections[at] as Connection;
    // A client's side is its own; 'alive' goes only when the broker has stopped reading (an orderly close reached the client).
    if (now.connectionFields[at] !== before.connectionFields[at] && !(conn.client === client && !conn.brokerReads && (before.connectionFields[at] as string).slice(1) === (now.connectionFields[at] as string).slice(1))) return false;
  }
  if (after.connections.slice(before.connections).some((conn) => conn.client !== client)) return false;
  if (now.events.length < before.events.length || before.events.some((event, at) => now.events[at] !== event)) return false;
  return now.events.slice(before.events.length).every((event) => {
    const payload = event.payload;
    const onOwnConnection = (payload.kind === 'arrive' || (payload.kind === 'hangup' && payload.ordered)) && payload.conn.client === client;
    return onOwnConnection && addressee(event, producer) !== client;
  });
}

/**
 * Whether a step from the state `before` was taken in changed nothing outside the client, and
 * whether it opened a connection (which condition 4 allows only when no broker fault can strike).
 */
export function stayedInside(before: Outside, after: WorldView): { readonly inside: boolean; readonly opened: boolean } {
  const no = { inside: false, opened: false };
  const now = outsideOf(after, before.client);
  if (now.phases !== before.phases || now.script !== before.script) return no;
  // A restart records that the client restarted, which no property, signature or state reads (4').
  if (after.history.slice(before.history).some((event) => event.kind !== 'restarted' || event.node !== before.client.name)) return no;
  if (now.offlineDepth !== before.offlineDepth || now.saves !== before.saves) return no;
  if (now.nodes.some((fields, at) => fields.some((value, index) => value !== before.nodes[at]?.[index]))) return no;
  for (let at = 0; at < before.connections; at += 1) {
    // A refused link-up ends the client's own connection (1'): 'alive' is then the client's to change.
    const own = (after.connections[at] as Connection).client === before.client;
    const was = before.connectionFields[at] as string;
    const is = now.connectionFields[at] as string;
    if (own ? was.slice(1) !== is.slice(1) : was !== is) return no;
  }
  if (after.connections.slice(before.connections).some((conn) => conn.client !== before.client)) return no;
  if (now.events.length !== before.events.length || now.events.some((event, at) => event !== before.events[at])) return no;
  return { inside: true, opened: now.connections > before.connections };
}
