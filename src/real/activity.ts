// What happened in a run, beside what was judged: the consumer's subscriptions and the messages
// it received and handled. Verdicts alone cannot tell a broker that did its part from one that
// did nothing — a consumer that never got its SUBACK is owed nothing (properties/expectations.ts),
// so a broker that ignores every SUBSCRIBE violates no property. A real run is compared with the
// model's on this too, and a broker that did not do its part fails the run, by name.
import type { HistoryEvent } from '../../models/history.ts';
import type { RealFaultRecord } from './run-real.ts';

export interface Activity {
  /** SUBACKs that reached a consumer. */
  readonly subscribed: number;
  /** Messages some consumer's library received, ascending, each once. */
  readonly delivered: readonly number[];
  /** Messages some consumer's application handled, ascending, each once. */
  readonly handled: readonly number[];
}

function messagesOf(history: readonly HistoryEvent[], kind: 'delivered' | 'handled'): number[] {
  const seen = new Set<number>();
  for (const event of history) if (event.kind === kind) seen.add(event.message);
  return [...seen].sort((a, b) => a - b);
}

export function activityOf(history: readonly HistoryEvent[]): Activity {
  return {
    subscribed: history.filter((event) => event.kind === 'subscribed').length,
    delivered: messagesOf(history, 'delivered'),
    handled: messagesOf(history, 'handled'),
  };
}

/**
 * Why the real broker did not do its part where the model did, or undefined: the consumer never
 * got a SUBACK though the model's did; or the broker delivered nothing at all though the model
 * delivered, no fault struck and the consumer was never away (with a fault, a race can
 * legitimately leave nothing to deliver: a producer crash just before its PUBLISH left, a broker
 * without persistence killed; with an offline period, every message may come while the consumer
 * is away, on a late machine even where the model's came before: a clean session's are dropped,
 * QoS 0 ones are not queued. The verdicts judge those).
 */
export function missingActivity(
  model: readonly HistoryEvent[],
  real: readonly HistoryEvent[],
  realFaults: readonly RealFaultRecord[],
  target: string,
  consumerAway = false,
): string | undefined {
  const expected = activityOf(model);
  const seen = activityOf(real);
  if (expected.subscribed > 0 && seen.subscribed === 0) {
    return `the consumer never got a SUBACK from ${target} (the model's got ${expected.subscribed}): the broker did not take the subscription, so nothing was owed and nothing can be compared`;
  }
  if (expected.delivered.length > 0 && seen.delivered.length === 0 && realFaults.length === 0 && !consumerAway) {
    const list = expected.delivered.map((message) => `m${message}`).join(' ');
    return `${target} delivered nothing, while the model delivered ${list} and no fault struck`;
  }
  return undefined;
}
