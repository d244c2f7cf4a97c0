// Exactly-once delivery, judged at the library (the 'delivered' event), not the application:
// an acknowledged message a consumer expects arrives there exactly once, and no message arrives
// anywhere twice. A QoS 2 flow promises this (MQTT 3.1.1 §4.3.3); QoS 1 does not (§4.3.2: at
// least once), so a QoS 1 redelivery shows here as "delivered 2 times".
// An unacknowledged message that never arrived is an unknown outcome, not judged here.
import { DELIVERED, evidence, indexHistory, type HistoryIndex } from './history-index.ts';
import type { Property, Violation } from './types.ts';

/** The property over an index checkAll shares between properties. */
export function exactlyOnceDeliveryViolations(index: HistoryIndex): Violation[] {
  const out: Violation[] = [];
  const messages = index.messages;
  const consumers = index.consumers;
  for (let m = 0; m < messages.length; m++) {
    const record = messages[m]!;
    for (let c = 0; c < consumers.length; c++) {
      const deliveries = index.count(DELIVERED, c, m);
      if (deliveries === 1) continue;
      if (deliveries > 1) {
        const consumer = consumers[c]!.name;
        const delivered = index.at('delivered', consumer, record.message);
        const times = delivered.map((i) => `${index.event(i).atMs} ms`).join(', ');
        out.push({
          property: 'exactly-once-delivery',
          message: record.message,
          consumer,
          producer: record.producer,
          summary: `message ${record.message} was delivered to ${consumer} ${delivered.length} times (at ${times})`,
          evidence: evidence(delivered),
        });
        continue;
      }
      if (record.ackedIndex === undefined) continue;
      const subscribedIndex = index.expectedSince(c, m);
      if (subscribedIndex < 0) continue;
      const consumer = consumers[c]!.name;
      out.push({
        property: 'exactly-once-delivery',
        message: record.message,
        consumer,
        producer: record.producer,
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
  return out;
}

export const exactlyOnceDelivery: Property = {
  name: 'exactly-once-delivery',
  description: 'every acknowledged message reaches each consumer that expects it exactly once, and no message reaches a consumer twice',
  check(history, context) {
    return exactlyOnceDeliveryViolations(indexHistory(history, context));
  },
};
