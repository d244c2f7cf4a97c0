// What a consumer profile does with an incoming PUBLISH or PUBREL: which acknowledgement it
// queues at once, and which message it hands to the application (with the acknowledgement that
// goes out after the handler returns). Pure bookkeeping over the profile's in-memory stores.
// 'dedup' receives exactly as 'manual-ack' does: its difference is in the application's handler
// (models/consumer-dedup.ts), which the library does not see.
import { assert, unreachable } from './assert.ts';
import type { ConsumerProfile } from './config.ts';
import { ghostOf, type MessageId } from './ghost.ts';
import type { AckPacket, PublishPacket } from './packets.ts';
import { ack } from './packets.ts';

export interface ReceiptStores {
  /** 'paho' — _in_messages: QoS 2 PUBLISHes answered with PUBREC, waiting for PUBREL. */
  readonly inMessages: readonly PublishPacket[];
  /** 'manual-ack', 'dedup' — packet ids handled and answered with PUBREC, waiting for PUBREL. */
  readonly awaitingRelease: readonly number[];
}

function storesOf(inMessages: readonly PublishPacket[], awaitingRelease: readonly number[]): ReceiptStores {
  return { inMessages, awaitingRelease };
}

export const emptyStores: ReceiptStores = storesOf([], []);

export interface Receipt {
  readonly stores: ReceiptStores;
  /** Written without handling anything. */
  readonly ackNow: AckPacket | null;
  /**
   * Handed to the application; `ackAfter` is written once the handler returns. `payload` is
   * what the application reads (its own message id, see e2e-ack.ts); `message` is the ghost id,
   * for history events only.
   */
  readonly handle: { readonly message: MessageId; readonly payload: string; readonly ackAfter: AckPacket | null } | null;
  /**
   * A PUBLISH the library recognised, by its packet id, as one it already holds (a DUP resend):
   * it is not a new delivery (MQTT 3.1.1 §4.3.3: the receiver must not deliver it onward again).
   */
  readonly recognised: boolean;
}

function handleThen(stores: ReceiptStores, packet: PublishPacket, ackAfter: AckPacket | null): Receipt {
  return { stores, ackNow: null, handle: { message: ghostOf(packet.payload), payload: packet.payload, ackAfter }, recognised: false };
}

function ackOnly(stores: ReceiptStores, ackNow: AckPacket, recognised = false): Receipt {
  return { stores, ackNow, handle: null, recognised };
}

function packetIdOf(packet: PublishPacket): number {
  const mid = packet.messageId;
  assert(mid !== undefined, () => `QoS ${packet.qos} PUBLISH without a packet id: ${JSON.stringify(packet)}`);
  return mid;
}

export function receivePublish(profile: ConsumerProfile, stores: ReceiptStores, packet: PublishPacket): Receipt {
  switch (packet.qos) {
    case 0:
      // _handle_publish: QoS 0 is handed over, nothing is sent.
      return handleThen(stores, packet, null);
    case 1:
      // _handle_publish: _handle_on_message, then _send_puback. manual-ack does the same.
      return handleThen(stores, packet, ack('puback', packetIdOf(packet)));
    case 2:
      return profile === 'paho' ? pahoPublish2(stores, packet) : manualPublish2(stores, packet);
    default:
      return unreachable(packet.qos);
  }
}

/**
 * _handle_publish QoS 2: PUBREC at once and keep the message in _in_messages, replacing any
 * with the same mid (a DUP resend); nothing is handed over until PUBREL (MQTT 3.1.1 §4.3.3 Method B).
 */
function pahoPublish2(stores: ReceiptStores, packet: PublishPacket): Receipt {
  const mid = packetIdOf(packet);
  const kept = stores.inMessages.filter((stored) => stored.messageId !== mid);
  const recognised = kept.length < stores.inMessages.length;
  kept.push(packet);
  return ackOnly(storesOf(kept, stores.awaitingRelease), ack('pubrec', mid), recognised);
}

/**
 * manual-ack QoS 2: handle, then PUBREC (recorded as awaiting PUBREL when the handler returns,
 * see rememberHandled). A PUBLISH whose mid is already recorded was handled: PUBREC again only.
 */
function manualPublish2(stores: ReceiptStores, packet: PublishPacket): Receipt {
  const mid = packetIdOf(packet);
  if (stores.awaitingRelease.includes(mid)) return ackOnly(stores, ack('pubrec', mid), true);
  return handleThen(stores, packet, ack('pubrec', mid));
}

export function receivePubrel(profile: ConsumerProfile, stores: ReceiptStores, mid: number): Receipt {
  switch (profile) {
    case 'paho': {
      // _handle_pubrel: a known mid is popped and handed over, then PUBCOMP; an unknown one
      // (forgotten by a restart) gets PUBCOMP at once — paho's comment: "losing a message" (#284).
      const index = stores.inMessages.findIndex((stored) => stored.messageId === mid);
      const pubcomp = ack('pubcomp', mid);
      if (index < 0) return ackOnly(stores, pubcomp);
      const packet = stores.inMessages[index] as PublishPacket;
      const inMessages = stores.inMessages.filter((_, at) => at !== index);
      return handleThen(storesOf(inMessages, stores.awaitingRelease), packet, pubcomp);
    }
    case 'manual-ack':
    case 'dedup': {
      const awaitingRelease = stores.awaitingRelease.includes(mid) ? stores.awaitingRelease.filter((id) => id !== mid) : stores.awaitingRelease;
      return ackOnly(storesOf(stores.inMessages, awaitingRelease), ack('pubcomp', mid));
    }
    default:
      return unreachable(profile);
  }
}

/** manual-ack, dedup: once the handler returned, a PUBREC'd mid is remembered, whether or not its PUBREC could be written. */
export function rememberHandled(stores: ReceiptStores, ackAfter: AckPacket | null): ReceiptStores {
  if (ackAfter === null || ackAfter.cmd !== 'pubrec' || stores.awaitingRelease.includes(ackAfter.messageId)) return stores;
  return storesOf(stores.inMessages, stores.awaitingRelease.concat(ackAfter.messageId));
}

/**
 * reconnect() -> _messages_reconnect_reset_in: with clean_session every incoming message is
 * forgotten; otherwise QoS 2 ones are kept (only QoS 2 ones are stored). manual-ack and dedup
 * follow the same rule for their record of mids awaiting PUBREL.
 */
export function receiptReconnectReset(stores: ReceiptStores, cleanSession: boolean): ReceiptStores {
  if (!cleanSession || (stores.inMessages.length === 0 && stores.awaitingRelease.length === 0)) return stores;
  return emptyStores;
}

/**
 * CONNACK with session present 0: the broker holds no session, so packet ids it sends from now on
 * name new messages (MQTT 3.1.1 §3.2.2.2). manual-ack and dedup forget the ids they were holding
 * for PUBREL; otherwise a reused id would be answered with PUBREC and never handled. paho 1.x
 * does not look at session present (_handle_connack), and its profile keeps its stores as paho does.
 */
export function receiptSessionLost(profile: ConsumerProfile, stores: ReceiptStores): ReceiptStores {
  if (profile === 'paho' || stores.awaitingRelease.length === 0) return stores;
  return storesOf(stores.inMessages, []);
}
