// The 'outbox' producer application's own state, on top of the paho library (producer.ts):
// a durable outbox of the messages it published and the consuming application has not yet
// acknowledged end to end (e2e-ack.ts), and paho's in-memory receipt store of its reply
// subscription. Pure bookkeeping; producer.ts decides when each function runs.
//
// The design (the transactional-outbox pattern with end-to-end acknowledgement):
// - publish() first commits the message to the outbox (an atomic write, e.g. one row in a local
//   database) and only then hands it to the library, so a crash after publish() returned never
//   loses it; a crash before it means publish() never returned, i.e. was never invoked.
// - The application publishes again, as a new library message, every outbox message the
//   library no longer holds: at every CONNACK (in on_connect: after a crash, or a broker that
//   lost what it had acknowledged) and once resendMs have passed since its last publish() without
//   its reply (a per-message timeout, as outbox relays keep one). "Holds" is what paho's
//   MQTTMessageInfo.is_published() tells the application of its last publish() of that message;
//   the model reads the same fact from paho's _out_messages by the payload, the application's
//   own message id. A message the library still holds is left to the library, which resends it
//   on reconnect; publishing it again would only add a copy.
// - A message leaves the outbox only when the consumer's reply naming it arrives: that, not the
//   library's PUBACK/PUBCOMP, is the 'publish-acked' of the history.
// - The producer keeps a clean session (presets.ts): the outbox, not the broker, is the record
//   of what is owed. A persistent session would only make the broker hold stale replies and
//   half-done QoS 2 flows for a library that a crash empties anyway; a reply lost because the
//   producer was away is made good by the next resend, which the consumer answers again.
import { assert } from './assert.ts';
import type { OutMessage } from './client-out-messages.ts';
import { emptyStores, type ReceiptStores } from './consumer-receipt.ts';
import type { QoS } from './packets.ts';

/**
 * One resend timer per outbox message, named by its payload. One timer per message rather than
 * one set for the earliest due time keeps clock readings out of the state: the exhaustive search
 * lets each timer fire at any point after it is set, which covers every timing of every message.
 */
const resendPrefix = 'resend ';

export function resendTimerOf(payload: string): string {
  return `${resendPrefix}${payload}`;
}

/** The payload whose resend timer this is, or null for another timer. */
export function resendPayloadOf(timer: string): string | null {
  return timer.startsWith(resendPrefix) ? timer.slice(resendPrefix.length) : null;
}

/** Bound on the outbox: a sequential script keeps one message in it, a scheduled one a few. */
export const outboxMax = 10_000;

export interface OutboxEntry {
  /** The application's message id, which is the whole payload (e2e-ack.ts). */
  readonly payload: string;
  readonly topic: string;
  readonly qos: QoS;
  /** Harness bookkeeping, not the application's: whether its 'publish-sent' was recorded. */
  readonly sentReported: boolean;
}

export interface OutboxApp {
  /** Durable: published, not yet acknowledged end to end, in publish order. */
  readonly outbox: readonly OutboxEntry[];
  /** Volatile: paho _in_messages of the reply subscription (QoS 2 replies awaiting PUBREL). */
  readonly replies: ReceiptStores;
}

function appOf(outbox: readonly OutboxEntry[], replies: ReceiptStores): OutboxApp {
  return { outbox, replies };
}

export const emptyOutboxApp: OutboxApp = appOf([], emptyStores);

function indexOfPayload(outbox: readonly OutboxEntry[], payload: string): number {
  for (let i = 0; i < outbox.length; i += 1) if ((outbox[i] as OutboxEntry).payload === payload) return i;
  return -1;
}

function entryOf(e: OutboxEntry, sentReported: boolean): OutboxEntry {
  return { payload: e.payload, topic: e.topic, qos: e.qos, sentReported };
}

/** publish(): the atomic commit that comes before anything else. */
export function outboxAdd(app: OutboxApp, payload: string, topic: string, qos: QoS): OutboxApp {
  assert(indexOfPayload(app.outbox, payload) < 0, () => `outbox: ${payload} published twice: ${JSON.stringify(app)}`);
  assert(app.outbox.length < outboxMax, () => `outbox beyond ${outboxMax} messages`);
  return appOf(app.outbox.concat({ payload, topic, qos, sentReported: false }), app.replies);
}

/** The reply for `payload` arrived: the entry leaves the outbox; null if it already had (a repeated reply). */
export function outboxAcknowledge(app: OutboxApp, payload: string): OutboxApp | null {
  const at = indexOfPayload(app.outbox, payload);
  if (at < 0) return null;
  return appOf(app.outbox.slice(0, at).concat(app.outbox.slice(at + 1)), app.replies);
}

/** The outbox entry of `payload`, or undefined once it was acknowledged end to end. */
export function outboxEntry(app: OutboxApp, payload: string): OutboxEntry | undefined {
  return app.outbox[indexOfPayload(app.outbox, payload)];
}

/** Whether paho still holds a message of this payload (its MQTTMessageInfo.is_published() is false). */
export function heldByLibrary(entry: OutboxEntry, held: readonly OutMessage[]): boolean {
  for (const message of held) if (message.payload === entry.payload) return true;
  return false;
}

/**
 * The library wrote a PUBLISH of `payload`. Returns the new app if this is the message's first
 * write in the run (the history's 'publish-sent'), null otherwise.
 */
export function outboxFirstWrite(app: OutboxApp, payload: string): OutboxApp | null {
  const at = indexOfPayload(app.outbox, payload);
  // Not in the outbox: acknowledged end to end already, so written before.
  if (at < 0) return null;
  const entry = app.outbox[at] as OutboxEntry;
  if (entry.sentReported) return null;
  const outbox = app.outbox.slice();
  outbox[at] = entryOf(entry, true);
  return appOf(outbox, app.replies);
}

export function withReplies(app: OutboxApp, replies: ReceiptStores): OutboxApp {
  return replies === app.replies ? app : appOf(app.outbox, replies);
}

/** What a kill -9 leaves: the outbox on disk; the library's memory is gone. */
export function outboxAfterCrash(app: OutboxApp): OutboxApp {
  return app.replies === emptyStores ? app : appOf(app.outbox, emptyStores);
}
