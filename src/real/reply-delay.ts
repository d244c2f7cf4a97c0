// How long the broker took to answer a client's request on one connection, measured at the
// client. Mosquitto 2.0.11 answers each request in the step that reads it: CONNECT → CONNACK
// (src/handle_connect.c connect__on_authorised), QoS 1 PUBLISH → PUBACK and QoS 2 PUBLISH →
// PUBREC (src/handle_publish.c handle__publish, the receive quota's drop included), PUBREL →
// PUBCOMP (lib/handle_pubrel.c handle__pubrel), a subscriber's PUBREC → PUBREL (lib/handle_pubrec.c handle__pubrec),
// SUBSCRIBE → SUBACK (src/handle_subscribe.c handle__subscribe); each packet is written as it is queued
// (lib/packet_mosq.c packet__queue). On loopback through the fault proxy a reply takes well
// under a millisecond, so a reply that took tens means the broker, or the client reading it,
// did not run for that long: the machine's load, which the model (latency 0-5 ms) has not.
import type { Packet } from '../../models/packets.ts';

/** The reply a request is owed, as a key: its command and packet id. */
function owedReply(packet: Packet): string | undefined {
  switch (packet.cmd) {
    case 'connect':
      return 'connack';
    case 'publish':
      if (packet.qos === 0 || packet.messageId === undefined) return undefined;
      return `${packet.qos === 1 ? 'puback' : 'pubrec'} ${packet.messageId}`;
    case 'pubrel':
      return `pubcomp ${packet.messageId}`;
    case 'pubrec':
      return `pubrel ${packet.messageId}`;
    case 'subscribe':
      return `suback ${packet.messageId}`;
    default:
      return undefined;
  }
}

function replyKey(packet: Packet): string {
  return packet.cmd === 'connack' ? 'connack' : `${packet.cmd} ${'messageId' in packet ? String(packet.messageId) : ''}`;
}

/** Requests sent on one connection and not yet answered; a connection's clock ends with it. */
export class ReplyClock {
  /** Reply key → when its request was written (the first time: a resend does not restart it). */
  readonly #owed = new Map<string, number>();

  sent(packet: Packet, nowMs: number): void {
    const key = owedReply(packet);
    if (key !== undefined && !this.#owed.has(key)) this.#owed.set(key, nowMs);
  }

  /** How long after its request this packet came, if it answers one. */
  received(packet: Packet, nowMs: number): number | undefined {
    const key = replyKey(packet);
    const sentMs = this.#owed.get(key);
    if (sentMs === undefined) return undefined;
    this.#owed.delete(key);
    return nowMs - sentMs;
  }
}
