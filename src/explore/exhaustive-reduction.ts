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
//  (2) no crash of X can strike at s or later without a step of X (its budget is spent or its
//      kind is not searched); a link drop of X needs a live connection of X (1);
//  (3) every option of X at s is a timer of X or a notice to X that a connection ended, none of
//      them a resend (the resend budget is shared along the path), and at least one is a
//      foreground event: until a step of X is taken, the run cannot end (the 'end' option
//      depends on every step) and no step of X goes away (an event of X dies only by X's own
//      crash or steps: ExhaustiveWorld.isDead);
//  (4) each of those steps, taken at s, changes nothing outside X: no history event (the
//      properties and the history abstraction read the history's order), no phase (a fault
//      records the phases when it strikes), not the publish script, not the other nodes nor
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
import type { StepOption, WorldView } from '../sim/exhaustive-world.ts';
import type { Connection, Slot, WorldEvent } from '../sim/world.ts';
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

/** The steps of a client that stands alone (conditions 1 to 3 of the head), or null. */
export function aloneCandidate(view: WorldView, options: readonly StepOption[], client: Slot, mayCrash: boolean): number[] | null {
  if (mayCrash) return null;
  if (view.connections.some((conn) => conn.alive && conn.client === client)) return null;
  const producer = view.nodes[1] as Slot;
  const steps: number[] = [];
  let foreground = false;
  for (let index = 0; index < options.length; index += 1) {
    const option = options[index] as StepOption;
    if (option.kind !== 'event' || addressee(option.event, producer) !== client) continue;
    const payload = option.event.payload;
    if (payload.kind === 'timer') {
      if (resendPayloadOf(payload.timer) !== null) return null;
    } else if (payload.kind !== 'hangup') {
      return null;
    }
    foreground ||= !option.event.background;
    steps.push(index);
  }
  return foreground ? steps : null;
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
 * Whether a step from the state `before` was taken in changed nothing outside the client, and
 * whether it opened a connection (which condition 4 allows only when no broker fault can strike).
 */
export function stayedInside(before: Outside, after: WorldView): { readonly inside: boolean; readonly opened: boolean } {
  const no = { inside: false, opened: false };
  const now = outsideOf(after, before.client);
  if (now.history !== before.history || now.phases !== before.phases || now.script !== before.script) return no;
  if (now.offlineDepth !== before.offlineDepth || now.saves !== before.saves) return no;
  if (now.nodes.some((fields, at) => fields.some((value, index) => value !== before.nodes[at]?.[index]))) return no;
  if (before.connectionFields.some((fields, at) => now.connectionFields[at] !== fields)) return no;
  if (after.connections.slice(before.connections).some((conn) => conn.client !== before.client)) return no;
  if (now.events.length !== before.events.length || now.events.some((event, at) => event !== before.events[at])) return no;
  return { inside: true, opened: now.connections > before.connections };
}
