// Exactly-once delivery, judged at the library (the 'delivered' event), not the application:
// an acknowledged message a consumer expects arrives there exactly once, and no message arrives
// anywhere twice. A QoS 2 flow promises this (MQTT 3.1.1 §4.3.3); QoS 1 does not (§4.3.2: at
// least once), so a QoS 1 redelivery shows here as "delivered 2 times".
// An unacknowledged message that never arrived is an unknown outcome, not judged here.
import { expectationsOf } from './expectations.ts';
import { evidence, indexHistory } from './history-index.ts';
import type { Property, Violation } from './types.ts';

export const exactlyOnceDelivery: Property = {
  name: 'exactly-once-delivery',
  description: 'every acknowledged message reaches each consumer that expects it exactly once, and no message reaches a consumer twice',
  check(history, context) {
    const index = indexHistory(history, context);
    const out: Violation[] = [];
    for (const record of index.messages) {
      const owed = new Map(expectationsOf(index, record).map((e) => [e.consumer, e.subscribedIndex]));
      for (const { name: consumer } of index.consumers) {
        const delivered = index.at('delivered', consumer, record.message);
        const base = { property: 'exactly-once-delivery', message: record.message, consumer, producer: record.producer } as const;
        if (delivered.length > 1) {
          const times = delivered.map((i) => `${index.event(i).atMs} ms`).join(', ');
          out.push({
            ...base,
            summary: `message ${record.message} was delivered to ${consumer} ${delivered.length} times (at ${times})`,
            evidence: evidence(delivered),
          });
          continue;
        }
        const subscribedIndex = owed.get(consumer);
        if (delivered.length === 0 && record.ackedIndex !== undefined && subscribedIndex !== undefined) {
          out.push({
            ...base,
            summary: `message ${record.message} was acknowledged to ${record.producer} at ${index.event(record.ackedIndex).atMs} ms but never delivered to ${consumer}`,
            evidence: evidence(
              record.invokedIndex,
              record.ackedIndex,
              subscribedIndex,
              index.at('message-dropped', consumer, record.message),
            ),
          });
        }
      }
    }
    return out;
  },
};
