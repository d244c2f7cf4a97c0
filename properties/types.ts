// What every property shares: its name, what it is told besides the history, and what it reports.
// Properties only observe (DESIGN §7): they read the history and this context, never model state,
// so one property judges a simulated run and a real-broker run alike.
import type { MessageId } from '../models/ghost.ts';
import type { History } from '../models/history.ts';

export type PropertyName = 'no-loss-acked' | 'no-loss-invoked' | 'no-duplicate' | 'exactly-once-delivery' | 'order';

export interface ConsumerContext {
  /** The consumer's node name, as it appears in history events. */
  readonly name: string;
  /** clean_session false: its session (subscription and queue) outlives a disconnect. */
  readonly persistent: boolean;
}

export interface PropertyContext {
  /** Node names of the producers, as they appear in history events. */
  readonly producers: readonly string[];
  readonly consumers: readonly ConsumerContext[];
}

export interface Violation {
  readonly property: PropertyName;
  readonly message: MessageId;
  readonly consumer: string;
  /** The producer that invoked the message. */
  readonly producer: string;
  /** One line a person understands. */
  readonly summary: string;
  /** Indices into the history of the events that show the violation, ascending. */
  readonly evidence: readonly number[];
}

export type Property = {
  readonly name: PropertyName;
  /** One line: what must hold. */
  readonly description: string;
  check(history: History, context: PropertyContext): Violation[];
};
