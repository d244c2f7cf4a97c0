// Per-publisher order (MQTT 3.1.1 §4.6): for each producer and each consumer, the consumer first
// handles the producer's messages in the order they were published. Only first handlings count
// (a redelivered duplicate is no-duplicate's business) and a message never handled is compared
// with nothing (its loss is no-loss's business). Orders are by position in the history, not by
// time, so two events in the same millisecond still have an order.
import { evidence, indexHistory, type MessageRecord } from './history-index.ts';
import type { Property, Violation } from './types.ts';

export const order: Property = {
  name: 'order',
  description: "each consumer first handles every producer's messages in the order that producer published them",
  check(history, context) {
    const index = indexHistory(history, context);
    const out: Violation[] = [];
    for (const record of index.messages) {
      for (const { name: consumer } of index.consumers) {
        const handledB = index.at('handled', consumer, record.message)[0];
        if (handledB === undefined) continue;
        // Earlier messages of the same producer that this one overtook.
        const overtaken: { readonly record: MessageRecord; readonly handled: number }[] = [];
        for (const earlier of index.messages) {
          if (earlier.producer !== record.producer || earlier.invokedIndex >= record.invokedIndex) continue;
          const handledA = index.at('handled', consumer, earlier.message)[0];
          if (handledA !== undefined && handledA > handledB) overtaken.push({ record: earlier, handled: handledA });
        }
        if (overtaken.length === 0) continue;
        overtaken.sort((x, y) => x.record.invokedIndex - y.record.invokedIndex);
        const names = overtaken.map((o) => `message ${o.record.message} (first handled at ${index.event(o.handled).atMs} ms)`).join(', ');
        out.push({
          property: 'order',
          message: record.message,
          consumer,
          producer: record.producer,
          summary: `${consumer} first handled message ${record.message} at ${index.event(handledB).atMs} ms, before ${names}, which ${record.producer} published earlier`,
          evidence: evidence(
            record.invokedIndex,
            handledB,
            overtaken.map((o) => o.record.invokedIndex),
            overtaken.map((o) => o.handled),
          ),
        });
      }
    }
    return out;
  },
};
