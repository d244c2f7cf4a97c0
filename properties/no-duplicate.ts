// No duplicate handling: no consumer's application finishes its side effect twice for one
// message. Judged at every consumer, persistent or not: a duplicate is a duplicate whether or not
// the consumer was owed the message.
import { evidence, indexHistory } from './history-index.ts';
import type { Property, Violation } from './types.ts';

export const noDuplicate: Property = {
  name: 'no-duplicate',
  description: 'no consumer handles the same message more than once',
  check(history, context) {
    const index = indexHistory(history, context);
    const out: Violation[] = [];
    for (const record of index.messages) {
      for (const { name: consumer } of index.consumers) {
        const handled = index.at('handled', consumer, record.message);
        if (handled.length < 2) continue;
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
  },
};
