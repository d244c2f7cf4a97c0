// The broker's durable part: what Mosquitto 2.0.11's persist__backup (src/persist_write.c)
// writes and persist__restore (src/persist_read.c) reads back. A snapshot shares the session's
// arrays with the live state (they are immutable), so a save costs one small object per session.
import type { BrokerConfig } from './config.ts';
import { makeSession, type InMessage, type OutMessage, type Session } from './broker-session.ts';
import type { Subscription } from './packets.ts';

/** One persistent client as the database file holds it: a client chunk, its client-message chunks and its subscription chunks. */
export interface DurableSession {
  readonly subscriptions: readonly Subscription[];
  /** P_client.last_mid. */
  readonly lastPacketId: number;
  /** msgs_out.inflight then msgs_out.queued, each message with its state and dup flag (P_client_msg). */
  readonly inflight: readonly OutMessage[];
  readonly queued: readonly OutMessage[];
  /** msgs_in: incoming QoS 2 messages awaiting PUBREL are saved too (direction mosq_md_in). */
  readonly incoming: readonly InMessage[];
}

export interface BrokerSnapshot {
  readonly sessions: Readonly<Record<string, DurableSession>>;
}

/**
 * persist__client_save writes only contexts with clean_start == false, connected or not, with
 * their in-flight and queued messages in both directions; persist__subs_save likewise skips
 * subscriptions of clean sessions. Clean sessions leave nothing on disk.
 */
export function takeSnapshot(sessions: Readonly<Record<string, Session>>): BrokerSnapshot {
  const saved: Record<string, DurableSession> = {};
  for (const clientId in sessions) {
    const session = sessions[clientId] as Session;
    if (session.clean) continue;
    saved[clientId] = {
      subscriptions: session.subscriptions,
      lastPacketId: session.lastPacketId,
      inflight: session.inflight,
      queued: session.queued,
      incoming: session.incoming,
    };
  }
  return { sessions: saved };
}

/**
 * persist__restore: every saved client comes back as an offline persistent session.
 * persist__client_msg_restore puts each outgoing message back in flight, keeping its state,
 * while the fresh context's quota (max_inflight_messages) lasts, and in the queue otherwise. So
 * with max_inflight_messages 0 (quota 0) every QoS 1/2 message is restored into the queue and,
 * at the client's next connect, is written again as a PUBLISH, even one that was awaiting
 * PUBCOMP (whose PUBREL had already gone out).
 * The model restores incoming QoS 2 messages all as awaiting PUBREL: Mosquitto would put those
 * beyond max_inflight_messages in msgs_in.queued, a difference that shows only for a persistent
 * publisher with more QoS 2 messages unreleased than max_inflight_messages.
 */
export function restoreSessions(snapshot: BrokerSnapshot, config: BrokerConfig): Record<string, Session> {
  const sessions: Record<string, Session> = {};
  for (const clientId in snapshot.sessions) {
    const saved = snapshot.sessions[clientId] as DurableSession;
    let quota = config.max_inflight_messages;
    const inflight: OutMessage[] = [];
    const queued: OutMessage[] = [];
    for (const list of [saved.inflight, saved.queued]) {
      for (const message of list) {
        if (message.phase === 'queued' || (message.qos > 0 && quota === 0)) {
          queued.push(message);
        } else {
          inflight.push(message);
          if (message.qos > 0 && quota > 0) quota -= 1;
        }
      }
    }
    // The receive quota is not saved: the client's next connect recomputes it (reconnectSession).
    sessions[clientId] = makeSession(clientId, false, null, quota, saved.subscriptions, saved.lastPacketId, inflight, queued, saved.incoming, config.max_inflight_messages);
  }
  return sessions;
}

/** Whether any saved session holds a message with this payload, in either direction. */
export function snapshotHoldsPayload(snapshot: BrokerSnapshot, payload: string): boolean {
  for (const clientId in snapshot.sessions) {
    const saved = snapshot.sessions[clientId] as DurableSession;
    for (const message of saved.inflight) if (message.payload === payload) return true;
    for (const message of saved.queued) if (message.payload === payload) return true;
    for (const message of saved.incoming) if (message.payload === payload) return true;
  }
  return false;
}
