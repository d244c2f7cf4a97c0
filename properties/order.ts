// Per-publisher order (MQTT 3.1.1 §4.6): for each producer and each consumer, the consumer first
// handles the producer's messages in the order they were published. Only first handlings count
// (a redelivered duplicate is no-duplicate's business) and a message never handled is compared
// with nothing (its loss is no-loss's business). Orders are by position in the history, not by
// time, so two events in the same millisecond still have an order.
import { evidence, HANDLED, indexHistory, type HistoryIndex, type MessageRecord } from './history-index.ts';
import type { Property, Violation } from './types.ts';

/**
 * Whether consumer slot `c` first handled some message before an earlier message of the same
 * producer: one pass in invocation order, keeping per producer the latest first handling so far.
 * A message overtook an earlier one exactly when that running maximum lies after its own.
 */
function outOfOrder(index: HistoryIndex, c: number, latest: number[]): boolean {
  latest.fill(-1);
  for (const m of index.invocationOrder) {
    const handled = index.first(HANDLED, c, m);
    if (handled < 0) continue;
    const p = index.producerSlot(m);
    if (latest[p]! > handled) return true;
    latest[p] = handled;
  }
  return false;
}

/** The property over an index checkAll shares between properties. */
export function orderViolations(index: HistoryIndex): Violation[] {
  const out: Violation[] = [];
  const consumers = index.consumers;
  const latest: number[] = new Array<number>(index.producerCount).fill(-1);
  let any = false;
  for (let c = 0; c < consumers.length && !any; c++) any = outOfOrder(index, c, latest);
  if (!any) return out;
  for (let m = 0; m < index.messages.length; m++) {
    const record = index.messages[m]!;
    for (let c = 0; c < consumers.length; c++) {
      const handledB = index.first(HANDLED, c, m);
      if (handledB < 0) continue;
      // Earlier messages of the same producer that this one overtook.
      const overtaken: { readonly record: MessageRecord; readonly handled: number }[] = [];
      for (let a = 0; a < index.messages.length; a++) {
        const earlier = index.messages[a]!;
        if (earlier.producer !== record.producer || earlier.invokedIndex >= record.invokedIndex) continue;
        const handledA = index.first(HANDLED, c, a);
        if (handledA > handledB) overtaken.push({ record: earlier, handled: handledA });
      }
      if (overtaken.length === 0) continue;
      const consumer = consumers[c]!.name;
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
}

export const order: Property = {
  name: 'order',
  description: "each consumer first handles every producer's messages in the order that producer published them",
  check(history, context) {
    return orderViolations(indexHistory(history, context));
  },
};
