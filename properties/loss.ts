// The shared shape of the two no-loss properties: for each message they judge, every consumer
// that expects it (see expectations.ts; HistoryIndex.expectedSince) must have handled it at least once.
import { evidence, HANDLED, type HistoryIndex, type MessageRecord } from './history-index.ts';
import type { PropertyName, Violation } from './types.ts';

/** Where the message got to at the consumer, for the summary: "(delivered at 20 ms, handling started at 21 ms)". */
export function fateAt(index: HistoryIndex, consumer: string, record: MessageRecord): string {
  const seen: string[] = [];
  const delivered = index.at('delivered', consumer, record.message);
  const started = index.at('handling-started', consumer, record.message);
  const dropped = index.at('message-dropped', consumer, record.message);
  const firstDelivered = delivered[0];
  const firstStarted = started[0];
  if (firstDelivered === undefined) seen.push('never delivered');
  else seen.push(`delivered at ${index.event(firstDelivered).atMs} ms`);
  if (firstStarted !== undefined) seen.push(`handling started at ${index.event(firstStarted).atMs} ms`);
  for (const i of dropped) {
    const event = index.event(i);
    if (event.kind === 'message-dropped') seen.push(`broker dropped it at ${event.atMs} ms (${event.reason})`);
  }
  return `(${seen.join(', ')})`;
}

/**
 * `judged` says which messages the property judges; `published` says, for the summary, how far
 * the publish got. Both are module-level functions of the caller, so a check allocates no closure.
 */
export function lossViolations(
  index: HistoryIndex,
  property: PropertyName,
  judged: (record: MessageRecord) => boolean,
  published: (index: HistoryIndex, record: MessageRecord) => string,
): Violation[] {
  const out: Violation[] = [];
  const messages = index.messages;
  const consumers = index.consumers;
  for (let m = 0; m < messages.length; m++) {
    const record = messages[m]!;
    if (!judged(record)) continue;
    for (let c = 0; c < consumers.length; c++) {
      const subscribedIndex = index.expectedSince(c, m);
      if (subscribedIndex < 0 || index.count(HANDLED, c, m) > 0) continue;
      const consumer = consumers[c]!.name;
      out.push({
        property,
        message: record.message,
        consumer,
        producer: record.producer,
        summary: `message ${record.message} ${published(index, record)} but ${consumer} never handled it ${fateAt(index, consumer, record)}`,
        evidence: evidence(
          record.invokedIndex,
          record.ackedIndex,
          subscribedIndex,
          index.at('delivered', consumer, record.message),
          index.at('handling-started', consumer, record.message),
          index.at('message-dropped', consumer, record.message),
        ),
      });
    }
  }
  return out;
}

export function atMs(index: HistoryIndex, i: number): number {
  return index.event(i).atMs;
}
