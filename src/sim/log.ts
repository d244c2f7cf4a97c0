// The event log: everything a run did, in order. It is what a replay must reproduce byte for
// byte and what the timeline renderers draw. Recording it is optional: exploration runs skip it.
import type { HistoryEvent, NodeName } from '../../models/history.ts';
import type { ConnId } from '../../models/node.ts';
import type { Packet } from '../../models/packets.ts';

export type LogEntry =
  /** A packet arrived at `to`. */
  | { readonly atMs: number; readonly kind: 'packet'; readonly from: NodeName; readonly to: NodeName; readonly conn: ConnId; readonly packet: Packet }
  /** A packet never arrived: sent on a dead connection, or in flight when the connection died. */
  | { readonly atMs: number; readonly kind: 'lost'; readonly from: NodeName; readonly to: NodeName; readonly conn: ConnId; readonly packet: Packet }
  | { readonly atMs: number; readonly kind: 'connect'; readonly node: NodeName; readonly conn: ConnId; readonly outcome: 'up' | 'refused' }
  /** `node` saw connection `conn` close. */
  | { readonly atMs: number; readonly kind: 'hangup'; readonly node: NodeName; readonly conn: ConnId }
  | { readonly atMs: number; readonly kind: 'history'; readonly event: HistoryEvent }
  /**
   * Exhaustive mode (lazy autosave, sim/exhaustive-world.ts): a broker fault's choice of when the
   * autosave timer last ran — after `afterEvent` events, at `savedAtMs` — logged where the fault strikes.
   */
  | { readonly atMs: number; readonly kind: 'autosaved'; readonly node: NodeName; readonly savedAtMs: number; readonly afterEvent: number }
  | { readonly atMs: number; readonly kind: 'end'; readonly reason: RunEnd };

/** Why a run stopped: quiescent is the normal end; the others are bounds that were hit, and are reported. */
export type RunEnd = 'quiescent' | 'events-max' | 'healing-ms-max';
