// PUBLISH in, PUBLISH out: what the broker does with a client's message (handle_publish.c,
// handle_pubrel.c) and how it reaches every subscribed session (subs.c).
import { assert, unreachable } from './assert.ts';
import { aedesDeferForwards } from './broker-aedes.ts';
import {
  append,
  findIncoming,
  insertOutgoing,
  receiveQuotaLeft,
  returnReceiveQuota,
  withIncoming,
  withLastPacketId,
  withoutIncoming,
  withReceiveQuota,
  type Session,
} from './broker-session.ts';
import { putSession, type Tx } from './broker-tx.ts';
import { ghostOf } from './ghost.ts';
import type { ConnId } from './node.ts';
import { nextPacketId, type PublishPacket, type QoS, type Subscription } from './packets.ts';
import { topicMatches } from './topic-match.ts';

/** What handle__publish leaves the connection: kept, or closed by the broker (its error return). */
export type PublishOutcome = 'ok' | 'close';

/**
 * handle_publish.c handle__publish, as Debian's mosquitto 2.0.11-1.2+deb12u2 runs it: that
 * package carries the upstream fix for CVE-2023-28366 (commit 6113eac9, in 2.0.16), which
 * changed how the broker takes messages in. Measured on it (one client publishing back to back,
 * max_inflight_messages 1: a QoS 2 held, then QoS 1 or 2 PUBLISHes are acknowledged and dropped
 * with max_queued_messages 1 and 1000 alike; with 0 the connection is closed):
 * - a new QoS 1/2 PUBLISH is taken only while the receive quota lasts (db__ready_for_flight
 *   mosq_md_in; the fix removed the db__ready_for_queue alternative);
 * - taking a QoS 2 message uses one (db__message_insert, mosq_md_in: util__decrement_receive_quota);
 *   a QoS 1 uses one and its PUBACK gives it back;
 * - every PUBACK and PUBCOMP the broker sends gives one back (lib/send_mosq.c send__puback,
 *   send__pubcomp: util__increment_receive_quota), the PUBACK of a dropped message and the
 *   PUBCOMP of an unknown id included; a PUBREC does not (only an MQTT 5 error PUBREC does);
 * - a message beyond the quota is dropped, yet acknowledged as if taken (process_bad_message:
 *   PUBACK or PUBREC with reason 0x97, which MQTT 3.1.1 cannot carry), so the publisher counts
 *   it delivered; then `out_packet_count >= max_queued_messages` makes the handler fail, and the
 *   broker closes the connection, which with max_queued_messages 0 (no limit) is always.
 */
export function publish(tx: Tx, session: Session, packet: PublishPacket): PublishOutcome {
  const conn = session.conn as ConnId;
  let publisher = session;
  let fresh = true;
  if (packet.qos > 0) {
    assert(packet.messageId !== undefined, () => `broker ${tx.name}: QoS ${packet.qos} PUBLISH without id: ${JSON.stringify(packet)}`);
    // db__message_store_find: is a message with this id held from this client (QoS 2 awaiting PUBREL)?
    const stored = findIncoming(publisher, packet.messageId);
    if (stored !== undefined) {
      // aedes (lib/handlers/publish.js enqueuePublish, case 2) looks the id up alone
      // (persistence.incomingGetPacket): a held id is a duplicate, "just send PUBREC", whatever
      // the message; a different message under it is dropped.
      const reused = tx.config.profile !== 'aedes-1.2' && (stored.qos !== packet.qos || stored.topic !== packet.topic || stored.payload !== packet.payload);
      if (reused) {
        // "Reused message ID %u from %s detected. Clearing from storage.": a different message
        // under a held id drops the held one, unreleased, and is taken as new. Mosquitto
        // compares QoS, topic and payload bytes; the payload here is the ghost tag, which is
        // also the payload the real-broker path sends, so this compares what Mosquitto compares.
        publisher = withoutIncoming(publisher, packet.messageId);
      } else {
        // The same message again (a resend): neither stored nor distributed again; PUBREC again.
        fresh = false;
      }
    }
  }
  if (fresh && packet.qos > 0 && tx.config.profile !== 'aedes-1.2' && !receiveQuotaLeft(publisher, tx.config)) {
    // A held message a reused id cleared stays cleared when the new one is dropped: handle__publish
    // calls db__message_remove_incoming before the quota check, and db__message_remove gives no
    // receive quota back. Seen on Mosquitto: a persistent producer restarted between PUBREC and
    // PUBREL reuses id 1 for its next message, "Reused message ID 1 … Clearing from storage.",
    // then "Sending PUBREC … rc151" (quota exceeded): both messages gone, neither released.
    if (publisher !== session) putSession(tx, publisher);
    return dropIncoming(tx, publisher, packet);
  }
  switch (packet.qos) {
    case 0:
      putSession(tx, publisher);
      distribute(tx, packet.topic, 0, packet.payload);
      return 'ok';
    case 1:
      // MQTT-4.3.2: distribute, then PUBACK (sub__messages_queue before send__puback); the
      // quota taken and given back again leaves it as it was.
      putSession(tx, publisher);
      distribute(tx, packet.topic, 1, packet.payload);
      if (tx.config.profile === 'aedes-1.2') aedesDeferForwards(tx, 1);
      tx.effects.push({ kind: 'send', conn, packet: { cmd: 'puback', messageId: packet.messageId as number } });
      return 'ok';
    case 2: {
      // MQTT-4.3.3 Method B as Mosquitto does it: store (msgs_in, wait_for_pubrel), PUBREC,
      // and distribute only on PUBREL. aedes (lib/handlers/publish.js enqueuePublish) stores the
      // id, forwards at once (Method A), then PUBRECs; a held id is only PUBREC'd again.
      const messageId = packet.messageId as number;
      const aedes = tx.config.profile === 'aedes-1.2';
      if (fresh) {
        const held = { packetId: messageId, qos: packet.qos, topic: packet.topic, payload: packet.payload };
        publisher = withIncoming(publisher, append(publisher.incoming, held));
        if (!aedes && tx.config.max_inflight_messages !== 0) publisher = withReceiveQuota(publisher, publisher.receiveQuota - 1);
      }
      putSession(tx, publisher);
      if (fresh && aedes) {
        distribute(tx, packet.topic, 2, packet.payload);
        aedesDeferForwards(tx, 2);
      }
      tx.effects.push({ kind: 'send', conn, packet: { cmd: 'pubrec', messageId } });
      return 'ok';
    }
    default:
      return unreachable(packet.qos);
  }
}

/** process_bad_message: acknowledged, not taken (see publish). */
function dropIncoming(tx: Tx, session: Session, packet: PublishPacket): PublishOutcome {
  const conn = session.conn as ConnId;
  const messageId = packet.messageId as number;
  if (packet.qos === 1) {
    putSession(tx, returnReceiveQuota(session, tx.config));
    tx.effects.push({ kind: 'send', conn, packet: { cmd: 'puback', messageId } });
  } else {
    tx.effects.push({ kind: 'send', conn, packet: { cmd: 'pubrec', messageId } });
  }
  // The broker writes each packet as it queues it, so out_packet_count is back at 0 here.
  return tx.config.max_queued_messages === 0 ? 'close' : 'ok';
}

/**
 * lib/handle_pubrel.c + database.c db__message_release_incoming: release the held message to
 * subscribers and forget it; PUBCOMP goes back even for an unknown id, "because this could be
 * due to a repeated PUBREL after a client has reconnected" (MQTT 3.1.1 §4.3.3).
 */
export function pubrel(tx: Tx, session: Session, messageId: number): void {
  const conn = session.conn as ConnId;
  const stored = findIncoming(session, messageId);
  // send__pubcomp gives a receive quota back, whether or not the id was held.
  const released = returnReceiveQuota(stored === undefined ? session : withoutIncoming(session, messageId), tx.config);
  if (released !== session) putSession(tx, released);
  // aedes (lib/handlers/pubrel.js) only forgets the id: it forwarded on PUBLISH.
  if (stored !== undefined && tx.config.profile !== 'aedes-1.2') distribute(tx, stored.topic, stored.qos, stored.payload);
  tx.effects.push({ kind: 'send', conn, packet: { cmd: 'pubcomp', messageId } });
}

/**
 * subs.c sub__messages_queue / subs__send: one copy to every session (connected, or away and
 * persistent) with a matching subscription, at min(message QoS, granted QoS); a packet id is
 * taken for QoS > 0 before db__message_insert decides, so a dropped message uses one too.
 */
export function distribute(tx: Tx, topic: string, qos: QoS, payload: string): void {
  const atStart = tx.sessions;
  for (const clientId in atStart) {
    const target = tx.sessions[clientId] as Session;
    const granted = grantedQos(target.subscriptions, topic);
    if (granted < 0) continue;
    const deliveryQos = (granted < qos ? granted : qos) as QoS;
    const packetId = deliveryQos > 0 ? nextPacketId(target.lastPacketId) : 0;
    const withId = deliveryQos > 0 ? withLastPacketId(target, packetId) : target;
    const result = insertOutgoing(withId, packetId, deliveryQos, topic, payload, tx.config, tx);
    putSession(tx, result.session);
    if (result.outcome === 'dropped-queue-full' || result.outcome === 'dropped-qos0-offline') {
      const reason = result.outcome === 'dropped-queue-full' ? 'queue-full' : 'qos0-offline';
      tx.effects.push({ kind: 'history', event: { kind: 'message-dropped', node: tx.name, client: clientId, message: ghostOf(payload), reason } });
    }
  }
}

/** The granted QoS a session gets a topic at, or -1 if no subscription of its matches. */
function grantedQos(subscriptions: readonly Subscription[], topic: string): number {
  // Mosquitto (allow_duplicate_messages false, the 2.0.11 default: conf.c) queues one copy per
  // client, at the QoS of the first matching subscription leaf it visits in its topic tree. The
  // model takes the highest matching QoS instead (MQTT 3.1.1 §3.3.5); the two differ only for
  // overlapping subscriptions of one client.
  let granted = -1;
  for (const subscription of subscriptions) {
    if (subscription.qos > granted && topicMatches(subscription.topic, topic)) granted = subscription.qos;
  }
  return granted;
}
