// Which consumer must handle which message.
// A persistent consumer (clean_session false) must handle message m when its session existed
// when m was published: it had a 'subscribed' event (SUBACK reached it) at or before the time m
// was invoked. From then on the broker owes it every message on the topic (MQTT 3.1.1 §3.1.2.4,
// §4.1: a persistent session keeps subscriptions and queued QoS 1/2 messages while the client is
// away). A non-persistent consumer is owed nothing across a disconnect, so it never expects a
// message; only no-duplicate and order judge it.
// A consumer that never subscribed expects nothing (DESIGN §4: "a client that never connected
// with a persistent session has nothing queued for it").
import type { MessageId } from '../models/ghost.ts';
import type { History } from '../models/history.ts';
import { indexHistory, type HistoryIndex, type MessageRecord } from './history-index.ts';
import type { PropertyContext } from './types.ts';

export interface Expectation {
  readonly message: MessageId;
  readonly consumer: string;
  /** The consumer's first 'subscribed' event, the one that made its session owe the message. */
  readonly subscribedIndex: number;
}

/** The consumers that must handle `record`, ascending by name. */
export function expectationsOf(index: HistoryIndex, record: MessageRecord): Expectation[] {
  const out: Expectation[] = [];
  for (let c = 0; c < index.consumers.length; c++) {
    // The rule itself (persistent, first 'subscribed' at or before the invocation) lives in
    // HistoryIndex.owedSince, which the properties read on their hot path.
    const subscribedIndex = index.owedSince(c, record.invokedAtMs);
    if (subscribedIndex >= 0) out.push({ message: record.message, consumer: index.consumers[c]!.name, subscribedIndex });
  }
  return out;
}

/** Every (message, consumer) pair that must be handled, ascending by message, then consumer. */
export function expectations(history: History, context: PropertyContext): Expectation[] {
  const index = indexHistory(history, context);
  const out: Expectation[] = [];
  for (const record of index.messages) for (const expectation of expectationsOf(index, record)) out.push(expectation);
  return out;
}
