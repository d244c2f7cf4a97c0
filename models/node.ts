// The contract every simulated node keeps: a pure state machine. Time comes in as a value,
// effects come out as values (as quinn-proto does for QUIC); nothing here reads a clock,
// a random source or the outside world.
import type { HistoryBody } from './history.ts';
import type { MessageId } from './ghost.ts';
import type { Packet, QoS } from './packets.ts';

/** A connection between one client and the broker; numbers are never reused within a run. */
export type ConnId = number;

export type NodeInput =
  /** The process starts: at the beginning of a run and after every restart. */
  | { readonly kind: 'start' }
  /** A TCP connection is up: the client's own request succeeded, or the broker accepted one. */
  | { readonly kind: 'connected'; readonly conn: ConnId }
  | { readonly kind: 'packet'; readonly conn: ConnId; readonly packet: Packet }
  /** The connection is gone: the peer closed it, the network dropped it, or the peer crashed. */
  | { readonly kind: 'disconnected'; readonly conn: ConnId }
  | { readonly kind: 'timer'; readonly timer: string }
  /** Producer application: publish one message. */
  | { readonly kind: 'publish'; readonly message: MessageId; readonly topic: string; readonly qos: QoS }
  /** Consumer application: disconnect cleanly (DISCONNECT) and stay away until 'go-online'. */
  | { readonly kind: 'go-offline' }
  | { readonly kind: 'go-online' }
  /** Graceful stop (SIGTERM): the node may write to disk before it goes down. */
  | { readonly kind: 'stop' };

export type Effect =
  | { readonly kind: 'send'; readonly conn: ConnId; readonly packet: Packet }
  /** A client asks for a new connection to the broker; 'connected' follows, or nothing if the broker is down. */
  | { readonly kind: 'open' }
  /** Close a connection; both ends see it gone (this end gets no 'disconnected'). */
  | { readonly kind: 'close'; readonly conn: ConnId }
  /** (Re)arm a named timer. Background timers (autosave) do not keep a run from being quiescent. */
  | { readonly kind: 'set-timer'; readonly timer: string; readonly afterMs: number; readonly background?: boolean }
  | { readonly kind: 'cancel-timer'; readonly timer: string }
  | { readonly kind: 'history'; readonly event: HistoryBody };

export interface StepResult<S> {
  readonly state: S;
  readonly effects: readonly Effect[];
}

export type NodeRole = 'broker' | 'producer' | 'consumer';

export interface NodeModel<S> {
  readonly role: NodeRole;
  /** The state of a node that has never run: empty memory, empty disk. */
  init(): S;
  step(state: S, input: NodeInput, nowMs: number): StepResult<S>;
  /**
   * step(), with the effects appended to `effects` in the same order and the new state returned:
   * the simulator's hot path, which hands every step the same array instead of having each make
   * an array and a result object (models build step() from it: stepFromInto).
   */
  stepInto(state: S, input: NodeInput, nowMs: number, effects: Effect[]): S;
  /** What a kill -9 leaves: the durable part only. Timers and connections are the world's to drop. */
  crash(state: S): S;
  /** For the explorer's visited set and the checker's phase notes: a canonical, JSON-able view. */
  snapshotHolds?(state: S, message: MessageId): boolean;
}

/** step() made from stepInto(): the same state and effects, in an array of the step's own. */
export function stepFromInto<S>(stepInto: NodeModel<S>['stepInto']): NodeModel<S>['step'] {
  return (state, input, nowMs) => {
    const effects: Effect[] = [];
    return { state: stepInto(state, input, nowMs, effects), effects };
  };
}
