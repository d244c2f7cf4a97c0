// No loss of acknowledged messages: once PUBACK (QoS 1) or PUBCOMP (QoS 2) reached the producer,
// every consumer that expects the message handles it. A publish whose acknowledgement never
// arrived is an unknown outcome (Jepsen's :info), not judged here; no-loss-invoked judges it.
import { indexHistory, type MessageRecord } from './history-index.ts';
import { atMs, lossViolations } from './loss.ts';
import type { Property } from './types.ts';

export const noLossAcked: Property = {
  name: 'no-loss-acked',
  description: 'every message acknowledged to its producer is handled by every consumer that expects it',
  check(history, context) {
    const index = indexHistory(history, context);
    return lossViolations(
      index,
      'no-loss-acked',
      (record): record is MessageRecord & { readonly ackedIndex: number } => record.ackedIndex !== undefined,
      (record) => `was acknowledged to ${record.producer} at ${atMs(index, record.ackedIndex)} ms`,
    );
  },
};
