// The observable record of a run: what the applications and libraries saw, plus the faults.
// Properties read only this, which is what lets one property judge a simulated and a real run.
import type { MessageId } from './ghost.ts';
import type { QoS } from './packets.ts';

export type NodeName = string;

export type FaultKind =
  | 'broker-kill'
  | 'broker-restart'
  | 'consumer-crash'
  | 'producer-crash'
  | 'connection-drop';

export const faultKinds: readonly FaultKind[] = [
  'broker-kill',
  'broker-restart',
  'consumer-crash',
  'producer-crash',
  'connection-drop',
];

export type HistoryBody =
  /** The producer application called publish. */
  | { readonly kind: 'publish-invoked'; readonly node: NodeName; readonly message: MessageId; readonly qos: QoS }
  /** The producer library wrote the message's first PUBLISH to a connection. */
  | { readonly kind: 'publish-sent'; readonly node: NodeName; readonly message: MessageId }
  /** PUBACK (QoS 1) or PUBCOMP (QoS 2) reached the producer application. */
  | { readonly kind: 'publish-acked'; readonly node: NodeName; readonly message: MessageId }
  /** A SUBACK reached the consumer: from here on its subscription exists at the broker. */
  | { readonly kind: 'subscribed'; readonly node: NodeName; readonly sessionPresent: boolean }
  /** The consumer library accepted a PUBLISH as a new message (not a DUP it recognised by packet id and still holds). */
  | { readonly kind: 'delivered'; readonly node: NodeName; readonly message: MessageId; readonly dup: boolean; readonly qos: QoS }
  /** The consumer application began handling the message. */
  | { readonly kind: 'handling-started'; readonly node: NodeName; readonly message: MessageId }
  /** The consumer application's side effect for the message is done. */
  | { readonly kind: 'handled'; readonly node: NodeName; readonly message: MessageId }
  /** The broker dropped a message for a client (queue limit); the publisher is not told. */
  | { readonly kind: 'message-dropped'; readonly node: NodeName; readonly client: string; readonly message: MessageId; readonly reason: 'queue-full' | 'qos0-offline' }
  | { readonly kind: 'fault'; readonly fault: FaultKind; readonly node: NodeName }
  | { readonly kind: 'restarted'; readonly node: NodeName };

export type HistoryEvent = HistoryBody & { readonly atMs: number };

export type History = readonly HistoryEvent[];
