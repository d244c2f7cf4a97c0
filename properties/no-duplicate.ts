// No duplicate handling: no consumer's application finishes its side effect twice for one
// message. Judged at every consumer, persistent or not: a duplicate is a duplicate whether or not
// the consumer was owed the message.
import { evidence, HANDLED, indexHistory, type HistoryIndex } from './history-index.ts';
import type { Property, Violation } from './types.ts';

/** The property over an index checkAll shares between properties. */
export function noDuplicateViolations(index: HistoryIndex): Violation[] {
  const out: Violation[] = [];
  // Most runs handle nothing twice; the index knows without a scan.
  if (!index.repeats(HANDLED)) return out;
  const messages = index.messages;
  const consumers = index.consumers;
  for (let m = 0; m < messages.length; m++) {
    for (let c = 0; c < consumers.length; c++) {
      if (index.count(HANDLED, c, m) < 2) continue;
      const record = messages[m]!;
      const consumer = consumers[c]!.name;
      const handled = index.at('handled', consumer, record.message);
      const times = handled.map((i) => `${index.event(i).atMs} ms`).join(', ');
      out.push({
        property: 'no-duplicate',
        message: record.message,
        consumer,
        producer: record.producer,
        summary: `${consumer} handled message ${record.message} ${handled.length} times (at ${times})`,
        // The deliveries show how each copy arrived (dup flag, QoS).
        evidence: evidence(handled, index.at('delivered', consumer, record.message)),
      });
    }
  }
  return out;
}

export const noDuplicate: Property = {
  name: 'no-duplicate',
  description: 'no consumer handles the same message more than once',
  check(history, context) {
    return noDuplicateViolations(indexHistory(history, context));
  },
};
