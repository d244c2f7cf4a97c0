// Every property, in the order checkAll reports them.
import type { History } from '../models/history.ts';
import { compareStrings } from './history-index.ts';
import { exactlyOnceDelivery } from './exactly-once-delivery.ts';
import { noDuplicate } from './no-duplicate.ts';
import { noLossAcked } from './no-loss-acked.ts';
import { noLossInvoked } from './no-loss-invoked.ts';
import { order } from './order.ts';
import type { Property, PropertyContext, PropertyName, Violation } from './types.ts';

export type { ConsumerContext, Property, PropertyContext, PropertyName, Violation } from './types.ts';
export { expectations, type Expectation } from './expectations.ts';

export const properties: readonly Property[] = [noLossAcked, noLossInvoked, noDuplicate, exactlyOnceDelivery, order];

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
  const selected = names === undefined ? properties : properties.filter((p) => names.includes(p.name));
  return selected.flatMap((property) =>
    property
      .check(history, context)
      .sort((a, b) => a.message - b.message || compareStrings(a.consumer, b.consumer)),
  );
}
