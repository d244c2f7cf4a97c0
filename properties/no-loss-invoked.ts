// No loss of published messages: every message the producer application published is handled by
// every consumer that expects it, whether or not the acknowledgement came back. Stronger than
// no-loss-acked: it also fails when the producer crashed before the message left its memory.
import { indexHistory, type HistoryIndex, type MessageRecord } from './history-index.ts';
import { atMs, lossViolations } from './loss.ts';
import type { Property, Violation } from './types.ts';

function every(): boolean {
  return true;
}

function published(index: HistoryIndex, record: MessageRecord): string {
  const ack =
    record.ackedIndex === undefined
      ? 'its acknowledgement never arrived'
      : `acknowledged at ${atMs(index, record.ackedIndex)} ms`;
  return `was published by ${record.producer} at ${record.invokedAtMs} ms (${ack})`;
}

/** The property over an index checkAll shares between properties. */
export function noLossInvokedViolations(index: HistoryIndex): Violation[] {
  return lossViolations(index, 'no-loss-invoked', every, published);
}

export const noLossInvoked: Property = {
  name: 'no-loss-invoked',
  description: 'every message a producer published is handled by every consumer that expects it, acknowledged or not',
  check(history, context) {
    return noLossInvokedViolations(indexHistory(history, context));
  },
};
