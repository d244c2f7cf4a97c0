// No loss of acknowledged messages: once PUBACK (QoS 1) or PUBCOMP (QoS 2) reached the producer,
// every consumer that expects the message handles it. A publish whose acknowledgement never
// arrived is an unknown outcome (Jepsen's :info), not judged here; no-loss-invoked judges it.
import { indexHistory, type HistoryIndex, type MessageRecord } from './history-index.ts';
import { atMs, lossViolations } from './loss.ts';
import type { Property, Violation } from './types.ts';

function acknowledged(record: MessageRecord): boolean {
  return record.ackedIndex !== undefined;
}

function published(index: HistoryIndex, record: MessageRecord): string {
  return `was acknowledged to ${record.producer} at ${atMs(index, record.ackedIndex!)} ms`;
}

/** The property over an index checkAll shares between properties. */
export function noLossAckedViolations(index: HistoryIndex): Violation[] {
  return lossViolations(index, 'no-loss-acked', acknowledged, published);
}

export const noLossAcked: Property = {
  name: 'no-loss-acked',
  description: 'every message acknowledged to its producer is handled by every consumer that expects it',
  check(history, context) {
    return noLossAckedViolations(indexHistory(history, context));
  },
};
