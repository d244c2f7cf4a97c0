// Every property, in the order checkAll reports them.
import type { History } from '../models/history.ts';
import { compareStrings, indexHistory, type HistoryIndex } from './history-index.ts';
import { exactlyOnceDelivery, exactlyOnceDeliveryViolations } from './exactly-once-delivery.ts';
import { noDuplicate, noDuplicateViolations } from './no-duplicate.ts';
import { noLossAcked, noLossAckedViolations } from './no-loss-acked.ts';
import { noLossInvoked, noLossInvokedViolations } from './no-loss-invoked.ts';
import { order, orderViolations } from './order.ts';
import type { Property, PropertyContext, PropertyName, Violation } from './types.ts';

export type { ConsumerContext, Property, PropertyContext, PropertyName, Violation } from './types.ts';
export { expectations, type Expectation } from './expectations.ts';

export const properties: readonly Property[] = [noLossAcked, noLossInvoked, noDuplicate, exactlyOnceDelivery, order];

/**
 * Each property of `properties`, at the same position, as a function of a history index, so that
 * checkAll indexes a history once for all of them (each `check` indexes it on its own).
 */
const judges: readonly ((index: HistoryIndex) => Violation[])[] = [
  noLossAckedViolations,
  noLossInvokedViolations,
  noDuplicateViolations,
  exactlyOnceDeliveryViolations,
  orderViolations,
];

export const propertyNames: readonly PropertyName[] = properties.map((p) => p.name);

export function propertyByName(name: PropertyName): Property {
  const found = properties.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no property named ${JSON.stringify(name)}`);
  return found;
}

/**
 * Checks the named properties (all when `names` is omitted) and returns their violations in a
 * deterministic order: property (as listed in `properties`), then message, then consumer.
 * `names` selects; its own order and repetitions do not matter.
 */
export function checkAll(history: History, context: PropertyContext, names?: readonly PropertyName[]): Violation[] {
  const out: Violation[] = [];
  let index: HistoryIndex | undefined;
  for (let i = 0; i < properties.length; i++) {
    const property = properties[i]!;
    if (names !== undefined && !names.includes(property.name)) continue;
    // Built when the first selected property needs it, so an invalid history still throws
    // exactly when a property would have read it.
    index ??= indexHistory(history, context);
    const found = judges[i]!(index);
    if (found.length > 1) found.sort(byMessageThenConsumer);
    for (const violation of found) out.push(violation);
  }
  return out;
}

function byMessageThenConsumer(a: Violation, b: Violation): number {
  return a.message - b.message || compareStrings(a.consumer, b.consumer);
}
