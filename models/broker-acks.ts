// What the client's answers and returns do to a session's outgoing lists: PUBACK/PUBCOMP
// (lib/handle_pubackcomp.c, db__message_delete_outgoing), PUBREC (lib/handle_pubrec.c) and a
// reconnect (handle_connect.c, db__message_reconnect_reset_outgoing), after Mosquitto 2.0.11.
import { assert } from './assert.ts';
import {
  decrement,
  dequeueFirst,
  readyForFlight,
  writeInflightOutLatest,
  withConn,
  withOutgoing,
  withPhase,
  withReceiveQuota,
  type OutMessage,
  type OutPhase,
  type Session,
  type StepSink,
} from './broker-session.ts';
import type { BrokerConfig } from './config.ts';
import type { ConnId } from './node.ts';

export type AckOutcome = 'ok' | 'protocol-error';

/** The first in-flight message with this packet id (Mosquitto's DL_FOREACH by mid), or -1. */
function indexOfPacket(inflight: readonly OutMessage[], packetId: number): number {
  for (let i = 0; i < inflight.length; i += 1) if ((inflight[i] as OutMessage).packetId === packetId) return i;
  return -1;
}

/**
 * PUBACK (qos 1) or PUBCOMP (qos 2) from the client: lib/handle_pubackcomp.c handle__pubackcomp
 * raises the quota (even for an unknown id), then db__message_delete_outgoing removes the
 * message and refills the window. Mosquitto's refill counts msg_index = the number of messages
 * *before* the acknowledged one (or all of them if the id is unknown), not those left in
 * flight, so acknowledging the oldest of N in-flight messages lets up to max_inflight_messages
 * more in: the window can overfill when max_inflight_messages > 1.
 */
export function deleteOutgoing(
  session: Session,
  packetId: number,
  qos: 1 | 2,
  config: BrokerConfig,
  sink: StepSink,
): { readonly session: Session; readonly outcome: AckOutcome } {
  const quota = Math.min(session.sendQuota + 1, config.max_inflight_messages);
  const at = indexOfPacket(session.inflight, packetId);
  const found = at === -1 ? undefined : session.inflight[at];
  if (found !== undefined && (found.qos !== qos || (qos === 2 && found.phase !== 'wait-pubcomp'))) {
    return { session: withOutgoing(session, session.inflight, session.queued, quota), outcome: 'protocol-error' };
  }
  const inflight = [...session.inflight];
  let messageIndex = inflight.length;
  if (found !== undefined) {
    inflight.splice(at, 1);
    messageIndex = at;
  }
  const queued = [...session.queued];
  let nextQuota = quota;
  const max = config.max_inflight_messages;
  while (queued.length > 0) {
    if (max !== 0 && messageIndex >= max) break;
    messageIndex += 1;
    queued[0] = withPhase(queued[0] as OutMessage, 'publish');
    nextQuota = dequeueFirst(inflight, queued, nextQuota);
  }
  sink.changes += 1;
  const next = writeInflightOutLatest(withOutgoing(session, inflight, queued, nextQuota), sink);
  return { session: next, outcome: 'ok' };
}

/**
 * PUBREC from the client (lib/handle_pubrec.c, db__message_update_outgoing): the message waits
 * for PUBCOMP now; an unknown id only logs a warning. PUBREL is sent either way.
 */
export function receivedPubrec(session: Session, packetId: number, sink: StepSink): { readonly session: Session; readonly outcome: AckOutcome } {
  const conn = session.conn;
  assert(conn !== null, () => `PUBREC for offline session ${JSON.stringify(session)}`);
  const at = indexOfPacket(session.inflight, packetId);
  const found = at === -1 ? undefined : session.inflight[at];
  if (found !== undefined && found.qos !== 2) return { session, outcome: 'protocol-error' };
  let next = session;
  if (found !== undefined && found.phase !== 'wait-pubcomp') {
    const inflight = [...session.inflight];
    inflight[at] = withPhase(found, 'wait-pubcomp');
    next = withOutgoing(session, inflight, session.queued, session.sendQuota);
  }
  sink.effects.push({ kind: 'send', conn, packet: { cmd: 'pubrel', messageId: packetId } });
  return { session: next, outcome: 'ok' };
}

/**
 * A client resumes its session on a new connection (handle_connect.c connect__on_authorised,
 * database.c db__message_reconnect_reset_outgoing). The quota restarts at max_inflight_messages
 * less the QoS 1/2 messages already in flight; those go back to 'publish' (resent with DUP set
 * if they were written before) or, for QoS 2 awaiting PUBCOMP, to 'resend-pubrel'. Then queued
 * messages move into flight while the quota allows. Mosquitto sets the phase of the message it
 * is looking at but moves the *head* of the queue (db__message_dequeue_first); with mixed QoS
 * in the queue (queue_qos0_messages) that can move a message still in phase 'queued' into
 * flight, where nothing writes it until the next reconnect. The model keeps that quirk.
 * Incoming QoS 2 messages are kept as they are, and the receive quota restarts at
 * max_inflight_messages less one for each of them (db__message_reconnect_reset_incoming).
 */
export function reconnectSession(session: Session, conn: ConnId, config: BrokerConfig): Session {
  let quota = config.max_inflight_messages;
  const inflight: OutMessage[] = [];
  for (const message of session.inflight) {
    if (message.qos > 0) quota = decrement(quota);
    const phase: OutPhase = message.qos === 2 && message.phase === 'wait-pubcomp' ? 'resend-pubrel' : 'publish';
    inflight.push(message.phase === phase ? message : withPhase(message, phase));
  }
  // Local mutable copies in queue order; `head` is how many have moved into flight.
  const copies = session.queued.map((message) => ({ ...message }));
  let head = 0;
  for (const item of copies) {
    if (!readyForFlight(item.qos, quota, config)) continue;
    item.phase = 'publish';
    inflight.push(copies[head] as OutMessage);
    head += 1;
    quota = decrement(quota);
  }
  let receiveQuota = config.max_inflight_messages;
  for (const message of session.incoming) if (message.qos > 0) receiveQuota = decrement(receiveQuota);
  return withReceiveQuota(withOutgoing(withConn(session, conn), inflight, copies.slice(head), quota), receiveQuota);
}
