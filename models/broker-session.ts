// One client's session at the broker and its outgoing message machinery, after Mosquitto
// 2.0.11's src/database.c (db__message_insert, db__message_delete_outgoing,
// db__message_reconnect_reset_outgoing, db__message_write_*). Mosquitto keeps per client two
// lists, `inflight` and `queued`, plus a send quota; this file keeps the same three, so that the
// model has Mosquitto's own quirks rather than a tidier protocol of its own (see the notes on
// deleteOutgoing and reconnectSession).
import { unreachable } from './assert.ts';
import type { BrokerConfig } from './config.ts';
import type { ConnId, Effect } from './node.ts';
import type { PublishPacket, QoS, Subscription } from './packets.ts';

/** mosquitto_msg_state for outgoing messages (mosquitto_broker_internal.h). */
export type OutPhase =
  /** Waiting in the queue (mosq_ms_queued); may also sit in `inflight` after a reconnect, see reconnectSession. */
  | 'queued'
  /** To be written: mosq_ms_publish_qos0/1/2. */
  | 'publish'
  | 'wait-puback'
  | 'wait-pubrec'
  | 'wait-pubcomp'
  /** PUBREL to be written again after a reconnect (mosq_ms_resend_pubrel). */
  | 'resend-pubrel'
  /** aedes-1.2 only (broker-aedes.ts): a QoS 1/2 PUBLISH whose write waits for the read's other packets. */
  | 'publish-deferred'
  /** aedes-1.2 only: a stored PUBREL whose write is due. */
  | 'pubrel-due'
  /** aedes-1.2 only: a PUBREL write that is due, of an object the store does not hold. */
  | 'pubrel-echo'
  /** aedes-1.2 only: a PUBREL resent after a resume, stored with a brokerId. */
  | 'pubrel-stamped'
  /** aedes-1.2 only: not a message, the mark of a resume whose snapshot of the store is still to be taken. */
  | 'resume-due'
  /** aedes-1.2 only: a stored entry in a resume's snapshot, to be resent as PUBLISH in its turn. */
  | 'resume-publish'
  /** aedes-1.2 only: a stored PUBREL (without brokerId) in a resume's snapshot, to be resent in its turn. */
  | 'resume-pubrel';

export interface OutMessage {
  /** 0 for QoS 0 (subs__send only generates a mid for QoS > 0). */
  readonly packetId: number;
  /** Delivery QoS: min(publish QoS, granted QoS) (subs.c subs__send). */
  readonly qos: QoS;
  readonly topic: string;
  readonly payload: string;
  readonly phase: OutPhase;
  /** Set once the PUBLISH has been written: any later write is a retry (db__message_write_inflight_out_single). */
  readonly dup: boolean;
}

/** An incoming QoS 2 message held until PUBREL (msgs_in, state mosq_ms_wait_for_pubrel). */
export interface InMessage {
  readonly packetId: number;
  readonly qos: QoS;
  readonly topic: string;
  readonly payload: string;
}

export interface Session {
  readonly clientId: string;
  /** CONNECT's clean session flag; clean sessions are never saved and are discarded at disconnect. */
  readonly clean: boolean;
  /** The connection the client is on, or null while it is away. */
  readonly conn: ConnId | null;
  /** msgs_out.inflight_quota: recomputed at every connect, so it is volatile. */
  readonly sendQuota: number;
  readonly subscriptions: readonly Subscription[];
  /** context->last_mid: the last outgoing packet id (lib/util_mosq.c mosquitto__mid_generate). */
  readonly lastPacketId: number;
  readonly inflight: readonly OutMessage[];
  readonly queued: readonly OutMessage[];
  readonly incoming: readonly InMessage[];
  /**
   * msgs_in.inflight_quota: how many more QoS 1/2 PUBLISHes the broker takes from this client.
   * Volatile like sendQuota (db__message_reconnect_reset_incoming recomputes it at a resume);
   * see broker-publish.ts publish for how it moves.
   */
  readonly receiveQuota: number;
}

/** What a step collects while it runs: the effects in order and db.persistence_changes. */
export interface StepSink {
  readonly effects: Effect[];
  changes: number;
}

// Every Session and OutMessage is built by these constructors, always with the same field
// order, so the engine gives them one shape each: step() builds several per packet.
export function makeSession(
  clientId: string,
  clean: boolean,
  conn: ConnId | null,
  sendQuota: number,
  subscriptions: readonly Subscription[],
  lastPacketId: number,
  inflight: readonly OutMessage[],
  queued: readonly OutMessage[],
  incoming: readonly InMessage[],
  receiveQuota: number,
): Session {
  return { clientId, clean, conn, sendQuota, subscriptions, lastPacketId, inflight, queued, incoming, receiveQuota };
}

export function withOutgoing(s: Session, inflight: readonly OutMessage[], queued: readonly OutMessage[], sendQuota: number): Session {
  return makeSession(s.clientId, s.clean, s.conn, sendQuota, s.subscriptions, s.lastPacketId, inflight, queued, s.incoming, s.receiveQuota);
}

export function withConn(s: Session, conn: ConnId | null): Session {
  return makeSession(s.clientId, s.clean, conn, s.sendQuota, s.subscriptions, s.lastPacketId, s.inflight, s.queued, s.incoming, s.receiveQuota);
}

export function withIncoming(s: Session, incoming: readonly InMessage[]): Session {
  return makeSession(s.clientId, s.clean, s.conn, s.sendQuota, s.subscriptions, s.lastPacketId, s.inflight, s.queued, incoming, s.receiveQuota);
}

export function withLastPacketId(s: Session, lastPacketId: number): Session {
  return makeSession(s.clientId, s.clean, s.conn, s.sendQuota, s.subscriptions, lastPacketId, s.inflight, s.queued, s.incoming, s.receiveQuota);
}

export function withSubscriptions(s: Session, subscriptions: readonly Subscription[]): Session {
  return makeSession(s.clientId, s.clean, s.conn, s.sendQuota, subscriptions, s.lastPacketId, s.inflight, s.queued, s.incoming, s.receiveQuota);
}

export function outMessage(packetId: number, qos: QoS, topic: string, payload: string, phase: OutPhase, dup: boolean): OutMessage {
  return { packetId, qos, topic, payload, phase, dup };
}

export function withPhase(m: OutMessage, phase: OutPhase, dup = m.dup): OutMessage {
  return outMessage(m.packetId, m.qos, m.topic, m.payload, phase, dup);
}

export type InsertOutcome = 'sent-or-inflight' | 'queued' | 'dropped-qos0-offline' | 'dropped-queue-full';

export function newSession(clientId: string, clean: boolean, conn: ConnId | null, config: BrokerConfig): Session {
  // context__init: inflight_quota = max_inflight_messages.
  return makeSession(clientId, clean, conn, config.max_inflight_messages, [], 0, [], [], [], config.max_inflight_messages);
}

export function withReceiveQuota(s: Session, receiveQuota: number): Session {
  return makeSession(s.clientId, s.clean, s.conn, s.sendQuota, s.subscriptions, s.lastPacketId, s.inflight, s.queued, s.incoming, receiveQuota);
}

/** util__increment_receive_quota (lib/util_mosq.c): one back, never beyond the maximum. */
export function returnReceiveQuota(s: Session, config: BrokerConfig): Session {
  return s.receiveQuota < config.max_inflight_messages ? withReceiveQuota(s, s.receiveQuota + 1) : s;
}

/** db__ready_for_flight(context, mosq_md_in, qos) for QoS 1/2: a quota left, or no limit at all (max_inflight_messages 0). */
export function receiveQuotaLeft(s: Session, config: BrokerConfig): boolean {
  return config.max_inflight_messages === 0 || s.receiveQuota > 0;
}

/** msg_count12: QoS 1 and 2 messages held for the client, in flight or queued. */
function countQos12(session: Session): number {
  let count = 0;
  for (const message of session.inflight) if (message.qos > 0) count += 1;
  for (const message of session.queued) if (message.qos > 0) count += 1;
  return count;
}

/**
 * db__ready_for_flight for the outgoing direction. For QoS 0 Mosquitto compares the socket's
 * pending-write count with max_queued_messages; the model's writes complete at once, so that
 * count is always 0 and QoS 0 is always ready.
 */
export function readyForFlight(qos: QoS, quota: number, config: BrokerConfig): boolean {
  if (config.max_inflight_messages === 0) return true;
  return qos === 0 || quota > 0;
}

/**
 * db__ready_for_queue. The count is msg_count12, in flight *and* queued, less
 * max_inflight_messages while the client is connected and less nothing while it is away: so
 * for an offline client the in-flight messages count against max_queued_messages too. Queued
 * QoS 0 messages are not counted (msg_count12 counts QoS 1 and 2 only), although the man page
 * says they are included in the limit.
 */
function readyForQueue(session: Session, qos: QoS, config: BrokerConfig): boolean {
  if (config.max_queued_messages === 0) return true;
  if (qos === 0 && !config.queue_qos0_messages) return false;
  const adjust = session.conn === null ? 0 : config.max_inflight_messages;
  return countQos12(session) - adjust < config.max_queued_messages;
}

export function decrement(quota: number): number {
  return quota > 0 ? quota - 1 : 0;
}

/**
 * db__message_insert for one outgoing message, then (for a connected client) the writes that
 * subs__send asks for with update=true: db__message_write_inflight_out_latest, then
 * db__message_write_queued_out.
 */
export function insertOutgoing(
  session: Session,
  packetId: number,
  qos: QoS,
  topic: string,
  payload: string,
  config: BrokerConfig,
  sink: StepSink,
): { readonly session: Session; readonly outcome: InsertOutcome } {
  const online = session.conn !== null;
  // "Client is not connected only queue messages with QoS>0" unless queue_qos0_messages.
  if (!online && qos === 0 && !config.queue_qos0_messages) return { session, outcome: 'dropped-qos0-offline' };
  let phase: OutPhase;
  // aedes-1.2 writes a QoS 1/2 forward only after the store has answered (broker-aedes.ts).
  if (online && readyForFlight(qos, session.sendQuota, config)) phase = qos > 0 && config.profile === 'aedes-1.2' ? 'publish-deferred' : 'publish';
  else if ((!online || qos !== 0) && readyForQueue(session, qos, config)) phase = 'queued';
  else return { session, outcome: 'dropped-queue-full' };

  const message = outMessage(packetId, qos, topic, payload, phase, false);
  // db.persistence_changes counts messages that enter the queue, not those that go straight out.
  if (phase === 'queued') sink.changes += 1;
  let next = withOutgoing(
    session,
    phase === 'queued' ? session.inflight : append(session.inflight, message),
    phase === 'queued' ? append(session.queued, message) : session.queued,
    // util__decrement_send_quota runs for every QoS > 0 insert, queued or not.
    qos > 0 ? decrement(session.sendQuota) : session.sendQuota,
  );
  next = writeInflightOutLatest(next, sink);
  next = writeQueuedOut(next, config);
  return { session: next, outcome: phase === 'queued' ? 'queued' : 'sent-or-inflight' };
}

/** A new array with `item` at the end: the lists are immutable, and short. */
export function append<T>(list: readonly T[], item: T): T[] {
  const next = list.slice();
  next.push(item);
  return next;
}

/** db__message_dequeue_first: the head of the queue moves to the end of the in-flight list. */
export function dequeueFirst(inflight: OutMessage[], queued: OutMessage[], quota: number): number {
  const head = queued.shift();
  if (head !== undefined) inflight.push(head);
  return decrement(quota);
}

/**
 * db__message_write_queued_out: while quota lasts, queued messages move into flight in the
 * 'publish' phase. Nothing is written here; the next write_inflight_out_* call writes them.
 */
export function writeQueuedOut(session: Session, config: BrokerConfig): Session {
  if (session.conn === null || session.queued.length === 0) return session;
  if (config.max_inflight_messages !== 0 && session.sendQuota === 0) return session;
  const inflight = [...session.inflight];
  const queued = [...session.queued];
  let quota = session.sendQuota;
  while (queued.length > 0) {
    if (config.max_inflight_messages !== 0 && quota === 0) break;
    queued[0] = withPhase(queued[0] as OutMessage, 'publish');
    quota = dequeueFirst(inflight, queued, quota);
  }
  return withOutgoing(session, inflight, queued, quota);
}

function isPublishPhase(message: OutMessage): boolean {
  return message.phase === 'publish';
}

/** db__message_write_inflight_out_single: one write, or nothing for a waiting phase. Null = removed. */
function writeSingle(message: OutMessage, conn: ConnId, sink: StepSink): OutMessage | null {
  switch (message.phase) {
    case 'publish':
      sink.effects.push({ kind: 'send', conn, packet: publishPacket(message) });
      // QoS 0 is forgotten once written; QoS 1/2 wait, and any later write is a duplicate.
      if (message.qos === 0) return null;
      return withPhase(message, message.qos === 1 ? 'wait-puback' : 'wait-pubrec', true);
    case 'resend-pubrel':
      sink.effects.push({ kind: 'send', conn, packet: { cmd: 'pubrel', messageId: message.packetId } });
      return withPhase(message, 'wait-pubcomp');
    case 'queued':
    case 'wait-puback':
    case 'wait-pubrec':
    case 'wait-pubcomp':
    // aedes-1.2's deferred entries are written by broker-aedes.ts alone.
    case 'publish-deferred':
    case 'pubrel-due':
    case 'pubrel-echo':
    case 'pubrel-stamped':
    case 'resume-due':
    case 'resume-publish':
    case 'resume-pubrel':
      return message;
    default:
      return unreachable(message.phase);
  }
}

export function publishPacket(message: OutMessage): PublishPacket {
  const { topic, payload, qos, dup } = message;
  // messageId is present exactly when qos > 0 (MQTT 3.1.1 §2.3.1).
  return qos === 0
    ? { cmd: 'publish', topic, payload, qos, dup, retain: false }
    : { cmd: 'publish', topic, payload, qos, dup, retain: false, messageId: message.packetId };
}

function writeFrom(session: Session, start: number, sink: StepSink): Session {
  const conn = session.conn;
  if (conn === null) return session;
  let changed = false;
  const inflight: OutMessage[] = session.inflight.slice(0, start);
  for (let i = start; i < session.inflight.length; i += 1) {
    const message = session.inflight[i] as OutMessage;
    const written = writeSingle(message, conn, sink);
    if (written !== message) changed = true;
    if (written !== null) inflight.push(written);
  }
  return changed ? withOutgoing(session, inflight, session.queued, session.sendQuota) : session;
}

/**
 * db__message_write_inflight_out_latest: write the run of 'publish' messages at the end of the
 * in-flight list (walking back from the tail to the last message in any other phase).
 */
export function writeInflightOutLatest(session: Session, sink: StepSink): Session {
  const count = session.inflight.length;
  if (session.conn === null || count === 0) return session;
  let i = count - 1;
  while (i > 0 && isPublishPhase(session.inflight[i] as OutMessage)) i -= 1;
  const start = i === 0 ? 0 : i + 1;
  return start < count ? writeFrom(session, start, sink) : session;
}

/** db__message_write_inflight_out_all: every in-flight message in list order (after CONNACK). */
export function writeInflightOutAll(session: Session, sink: StepSink): Session {
  return writeFrom(session, 0, sink);
}

/** Incoming QoS 2 message lookup by packet id (db__message_store_find). */
export function findIncoming(session: Session, packetId: number): InMessage | undefined {
  for (const message of session.incoming) if (message.packetId === packetId) return message;
  return undefined;
}

export function withoutIncoming(session: Session, packetId: number): Session {
  const incoming: InMessage[] = [];
  for (const message of session.incoming) if (message.packetId !== packetId) incoming.push(message);
  return withIncoming(session, incoming);
}
