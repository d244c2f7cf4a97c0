// The `aedes-1.2` profile's outgoing store: what aedes 1.2 (lib/handlers/pubrec.js,
// puback.js, connect.js emptyQueue) does with a subscriber's PUBREC and PUBCOMP/PUBACK, over
// aedes-persistence 11's memory store (asyncPersistence.js, class MemoryPersistence). The
// session's in-flight list stands for the store's outgoing queue of the client, in its order.
//
// The store's PUBREL defect. For a persistent client, handlePubrec stores the PUBREL it is about
// to write with persistence.outgoingUpdate(client, pubrel), then writes that same object once the
// call resolves. outgoingUpdate walks the queue and, for each entry, first compares
// `brokerId`/`brokerCounter` with the packet's, and only when the brokerIds differ compares
// `messageId`. A PUBREL (class PubRel: cmd and messageId only) has neither id, so a stored PUBREL
// matches the next PUBREL on `undefined === undefined`: the first stored PUBREL in the queue
// takes the new packet id in place (`temp.messageId = packet.messageId`), and the new PUBREL is
// not stored; only when no stored PUBREL comes first does the entry with the packet id
// (the PUBLISH) become the PUBREL. The wire sees the damage when the rewritten PUBREL had not
// been written yet: aedes dispatches every packet of one socket read before any of their
// promises resolve (lib/client.js enqueue, nextBatch), so two PUBRECs read together are
// answered with two PUBRELs for the second id (src/real/aedes-broker.test.ts shows it). The
// model writes the PUBRELs when a timer fires 1 ms after the last PUBREC (AEDES_PUBREL_TIMER):
// the PUBRECs that arrive before it are one read. Why 1 ms and not 0: a client writes its
// PUBRECs back to back, and on loopback they reach aedes in one segment, but the model's network
// gives each packet its own latency (0-1 ms), splitting them by up to 1 ms; a PUBREC arriving
// at the instant the timer fires may come before or after it (the simulation's choice among
// same-instant events), so both ways a real read can fall stay possible.
//
// A clean client stores nothing (lib/client.js publish and deliverQoS skip the store;
// pubrec.js writes the PUBREL at once), so its list is bookkeeping that no rule reads back.
import {
  publishPacket,
  withOutgoing,
  withPhase,
  type OutMessage,
  type OutPhase,
  type Session,
  type StepSink,
} from './broker-session.ts';
import { dropConnection, putSession, type Tx } from './broker-tx.ts';
import type { ConnId, Effect } from './node.ts';

export const AEDES_PUBREL_TIMER = 'aedes-pubrel';

/**
 * A QoS 1/2 message's forward is written later than a QoS 0 one of the same read: QoS 0 goes
 * straight to mq.emit (aedes.js publishFuncsSimple) and deliver0's setImmediate; QoS 1 first
 * writes PUBACK and publishes in its callback, a setImmediate later (lib/handlers/publish.js
 * enqueuePublish), QoS 2 publishes once incomingGetPacket and incomingStorePacket have answered
 * (promises); both then wait for enqueueOffline's store calls (persistence
 * subscriptionsByTopic, outgoingEnqueueCombi) before mq.emit, and deliverQoS writes a
 * setImmediate later. So in one read a QoS 0 message overtakes a QoS 1/2 one, and a QoS 2 one
 * (promises only) a QoS 1 one (a setImmediate first). The model writes each QoS's deferred
 * forwards when its zero-delay timer fires; the two timers and the read's packets are due at one
 * instant, so the simulation's choice of order among them gives every order a read can give
 * (and some it cannot: QoS 1 before a later QoS 2, which is sound for telling a race from a rule).
 */
export const AEDES_FORWARD_TIMERS: Readonly<Record<1 | 2, string>> = { 1: 'aedes-forward-qos1', 2: 'aedes-forward-qos2' };

/** The timer that writes the deferred forwards of `qos`, or null for a timer that is not one of them. */
export function aedesForwardQos(timer: string): 1 | 2 | null {
  if (timer === AEDES_FORWARD_TIMERS[1]) return 1;
  if (timer === AEDES_FORWARD_TIMERS[2]) return 2;
  return null;
}

/** After an incoming QoS 1/2 message was distributed: its forwards are written when the timer fires. */
export function aedesDeferForwards(tx: Tx, qos: 1 | 2): void {
  tx.effects.push({ kind: 'set-timer', timer: AEDES_FORWARD_TIMERS[qos], afterMs: 0 });
}

/** A forward timer fired: every connected session's deferred PUBLISHes of that QoS, in list order. */
export function aedesWriteForwards(tx: Tx, qos: 1 | 2): void {
  const atStart = tx.sessions;
  for (const clientId in atStart) {
    const session = atStart[clientId] as Session;
    const conn = session.conn;
    if (conn === null || !session.inflight.some((entry) => entry.phase === 'publish-deferred' && entry.qos === qos)) continue;
    const inflight = session.inflight.map((entry) => {
      if (entry.phase !== 'publish-deferred' || entry.qos !== qos) return entry;
      tx.effects.push({ kind: 'send', conn, packet: publishPacket(entry) });
      // As db__message_write_inflight_out_single: any later write of it is a resend.
      return withPhase(entry, qos === 1 ? 'wait-puback' : 'wait-pubrec', true);
    });
    putSession(tx, withOutgoing(session, inflight, session.queued, session.sendQuota));
  }
}

/** A stored PUBREL without brokerId (PubRel from pubrec.js): any later PUBREL matches it. */
function isBarePubrel(phase: OutPhase): boolean {
  return phase === 'wait-pubcomp' || phase === 'pubrel-due' || phase === 'resume-pubrel';
}

/** What the store holds: every entry but a PUBREL write that is due and was never stored, and a resume's mark. */
function inStore(message: OutMessage): boolean {
  return message.phase !== 'pubrel-echo' && message.phase !== 'resume-due';
}

export type AedesPubrecOutcome = 'ok' | 'no-such-packet';

/**
 * lib/handlers/pubrec.js handlePubrec with MemoryPersistence.outgoingUpdate. 'no-such-packet':
 * outgoingUpdate throws, handlePubrec passes the error to done, and lib/client.js nextBatch
 * emits it: the client errors and its connection is closed, with no PUBREL.
 */
export function aedesPubrec(session: Session, packetId: number, sink: StepSink): { readonly session: Session; readonly outcome: AedesPubrecOutcome } {
  const conn = session.conn as ConnId;
  if (session.clean) {
    // pubrec.js: `if (client.clean) write(client, pubrel, done)`: nothing is stored or looked up.
    sink.effects.push({ kind: 'send', conn, packet: { cmd: 'pubrel', messageId: packetId } });
    return { session, outcome: 'ok' };
  }
  const inflight = session.inflight.slice();
  for (let i = 0; i < inflight.length; i += 1) {
    const entry = inflight[i] as OutMessage;
    if (!inStore(entry)) continue;
    if (isBarePubrel(entry.phase)) {
      // `temp.brokerId === packet.brokerId` (both undefined) and the same for brokerCounter:
      // the stored PUBREL takes this packet id; the new PUBREL object is written, not stored.
      inflight[i] = retag(entry, packetId);
      inflight.push(echo(entry, packetId));
      return { session: withOutgoing(session, inflight, session.queued, session.sendQuota), outcome: 'ok' };
    }
    if (entry.packetId === packetId) {
      // `temp.messageId === packet.messageId` (the brokerIds differ): `outgoing[i] = packet`.
      inflight[i] = withPhase(entry, 'pubrel-due');
      return { session: withOutgoing(session, inflight, session.queued, session.sendQuota), outcome: 'ok' };
    }
  }
  return { session, outcome: 'no-such-packet' };
}

/** The same stored entry under another packet id (its phase kept: a due write stays due). */
function retag(entry: OutMessage, packetId: number): OutMessage {
  return { packetId, qos: entry.qos, topic: entry.topic, payload: entry.payload, phase: entry.phase, dup: entry.dup };
}

/** A PUBREL write of a fixed packet id, due with the others, that the store never held. */
function echo(entry: OutMessage, packetId: number): OutMessage {
  return { packetId, qos: entry.qos, topic: entry.topic, payload: entry.payload, phase: 'pubrel-echo', dup: entry.dup };
}

/**
 * PUBACK or PUBCOMP: lib/handlers/puback.js → MemoryPersistence.outgoingClearMessageId removes
 * the first entry with the packet id, whatever it is (a PUBLISH awaiting PUBREC included), and an
 * unknown id does nothing; aedes checks neither the QoS nor the state. A PUBREL still due keeps
 * its write (the object is written whether or not the store still holds it) with the id it has.
 */
export function aedesClearMessageId(session: Session, packetId: number, sink: StepSink): Session {
  for (let i = 0; i < session.inflight.length; i += 1) {
    const entry = session.inflight[i] as OutMessage;
    if (!inStore(entry) || entry.packetId !== packetId) continue;
    const inflight = session.inflight.slice();
    if (entry.phase === 'pubrel-due') inflight[i] = withPhase(entry, 'pubrel-echo');
    else inflight.splice(i, 1);
    sink.changes += 1;
    return withOutgoing(session, inflight, session.queued, session.sendQuota);
  }
  return session;
}

/** Whether a step left PUBREL writes due (the caller sets AEDES_PUBREL_TIMER). */
export function aedesWritesDue(session: Session): boolean {
  for (const entry of session.inflight) if (entry.phase === 'pubrel-due' || entry.phase === 'pubrel-echo') return true;
  return false;
}

/**
 * The PUBREL writes of one socket read, once every handler of the read has run
 * (pubrec.js: `.then(() => write(client, pubrel, done))`): each with the packet id its object
 * has now, in queue order.
 */
export function aedesWritePubrels(session: Session, sink: StepSink): Session {
  const conn = session.conn;
  if (conn === null || !aedesWritesDue(session)) return session;
  const inflight: OutMessage[] = [];
  for (const entry of session.inflight) {
    if (entry.phase === 'pubrel-due' || entry.phase === 'pubrel-echo') {
      sink.effects.push({ kind: 'send', conn, packet: { cmd: 'pubrel', messageId: entry.packetId } });
    }
    if (entry.phase === 'pubrel-due') inflight.push(withPhase(entry, 'wait-pubcomp'));
    else if (entry.phase !== 'pubrel-echo') inflight.push(entry);
  }
  return withOutgoing(session, inflight, session.queued, session.sendQuota);
}

/**
 * Before a resume: writes still due die with the old connection (write.js: a closed client gets
 * 'connection closed'), and every stored PUBREL is a PUBREL to resend (connect.js emptyQueue
 * writes every entry of the queue, in order, PUBLISH or PUBREL). Resends of an earlier resume
 * still to come die too (emptyQueue's writes fail on the closed client): the entries are stored
 * as they were.
 */
export function aedesBeforeResume(session: Session): Session {
  let changed = false;
  const inflight: OutMessage[] = [];
  for (const entry of session.inflight) {
    if (entry.phase === 'pubrel-echo' || entry.phase === 'resume-due') changed = true;
    else if (entry.phase === 'pubrel-due' || entry.phase === 'pubrel-stamped' || entry.phase === 'resume-pubrel') {
      inflight.push(withPhase(entry, 'wait-pubcomp'));
      changed = true;
    } else if (entry.phase === 'resume-publish') {
      inflight.push(withPhase(entry, entry.qos === 1 ? 'wait-puback' : 'wait-pubrec'));
      changed = true;
    } else inflight.push(entry);
  }
  return changed ? withOutgoing(session, inflight, session.queued, session.sendQuota) : session;
}

export const AEDES_RESUME_TIMER = 'aedes-resume';
export const AEDES_RESEND_TIMER = 'aedes-resend';

const resumeTimer: Effect = { kind: 'set-timer', timer: AEDES_RESUME_TIMER, afterMs: 1 };
const resendTimer: Effect = { kind: 'set-timer', timer: AEDES_RESEND_TIMER, afterMs: 0 };

/**
 * A resume's resends wait (lib/handlers/connect.js): the client is registered and its
 * subscriptions restored (restoreSubs, registerClient) before CONNACK is written, and emptyQueue
 * takes its snapshot of the store (outgoingStream) only once that write has called back, a
 * setImmediate later. A message published in between is forwarded live and is in the snapshot:
 * the client gets it twice. The model takes the snapshot when AEDES_RESUME_TIMER fires, 1 ms
 * after CONNACK (a message due at that instant may come before or after it); the mark says
 * which session's resume it is.
 */
export function aedesAwaitResume(session: Session, sink: StepSink): Session {
  sink.effects.push(resumeTimer);
  const mark: OutMessage = { packetId: 0, qos: 0, topic: '', payload: '', phase: 'resume-due', dup: false };
  return withOutgoing(session, [...session.inflight, mark], session.queued, session.sendQuota);
}

/** A snapshot's stored entry, pending its resend: a PUBREL as PUBREL, anything else as PUBLISH. */
function pending(entry: OutMessage): OutMessage {
  const pubrel = entry.phase === 'wait-pubcomp' || entry.phase === 'pubrel-due' || entry.phase === 'pubrel-stamped' || entry.phase === 'resend-pubrel';
  return withPhase(entry, pubrel ? 'resume-pubrel' : 'resume-publish');
}

function isPending(entry: OutMessage): boolean {
  return entry.phase === 'resume-publish' || entry.phase === 'resume-pubrel';
}

/**
 * AEDES_RESUME_TIMER: each marked session's snapshot (MemoryPersistence.outgoingStream: a copy of
 * the queue as it is now; entries stored later are not resent), and its first resend. Why one at
 * a time: emptyQueue's through(clearQueue) stores each entry back (outgoingUpdate, a promise) and
 * writes it, and asks for the next only in the write's callback, which write.js calls a
 * setImmediate later (`setImmediate(done, error, client)`). Live forwards (lib/client.js
 * deliverQoS: a setImmediate, then outgoingUpdate, then the write) are written in those turns,
 * so they come between two resends. The next resend is AEDES_RESEND_TIMER, 0 ms later: a forward
 * due at the same instant may come before or after it, as a setImmediate queued before or after.
 */
export function aedesTakeSnapshots(tx: Tx): void {
  const atStart = tx.sessions;
  for (const clientId in atStart) {
    const session = atStart[clientId] as Session;
    if (session.conn === null || !session.inflight.some((entry) => entry.phase === 'resume-due')) continue;
    const inflight: OutMessage[] = [];
    for (const entry of session.inflight) {
      if (entry.phase === 'resume-due' || entry.phase === 'pubrel-echo') continue;
      inflight.push(pending(entry));
    }
    const snapshot = withOutgoing(session, inflight, session.queued, session.sendQuota);
    // An empty store: emptyQueue's stream ends with nothing written.
    if (inflight.length === 0) putSession(tx, snapshot);
    else resendNext(tx, snapshot);
  }
}

/** AEDES_RESEND_TIMER: the next resend of every session whose snapshot has entries still to resend. */
export function aedesResendNext(tx: Tx): void {
  const atStart = tx.sessions;
  for (const clientId in atStart) {
    const session = atStart[clientId] as Session;
    if (session.conn === null || session.inflight.some((entry) => entry.phase === 'resume-due')) continue;
    if (session.inflight.some(isPending)) resendNext(tx, session);
  }
}

/**
 * clearQueue for the first pending entry: written as stored, with the packet id it has now (the
 * snapshot shares the store's objects, so a PUBREL's id rewritten by outgoingUpdate meanwhile is
 * the id written). The store then holds a QoSPacket (lib/qos-packet.js, via aedes-packet:
 * `brokerId = original.brokerId || broker.id`): a resent PUBREL has a brokerId and is matched by
 * packet id only, so no later PUBREL rewrites it.
 */
function resendNext(tx: Tx, session: Session): void {
  const conn = session.conn as ConnId;
  const at = session.inflight.findIndex(isPending);
  const inflight = session.inflight.slice();
  const entry = inflight[at] as OutMessage;
  if (entry.phase === 'resume-pubrel') {
    tx.effects.push({ kind: 'send', conn, packet: { cmd: 'pubrel', messageId: entry.packetId } });
    inflight[at] = withPhase(entry, 'pubrel-stamped');
  } else {
    tx.effects.push({ kind: 'send', conn, packet: publishPacket(entry) });
    // As db__message_write_inflight_out_single: QoS 0 is not kept, and any later write is a resend.
    if (entry.qos === 0) inflight.splice(at, 1);
    else inflight[at] = withPhase(entry, entry.qos === 1 ? 'wait-puback' : 'wait-pubrec', true);
  }
  if (inflight.some(isPending)) tx.effects.push(resendTimer);
  putSession(tx, withOutgoing(session, inflight, session.queued, session.sendQuota));
}

const pubrelTimer: Effect = { kind: 'set-timer', timer: AEDES_PUBREL_TIMER, afterMs: 1 };

/** A PUBREC from a connected client of the aedes profile, within a broker step. */
export function aedesPubrecStep(tx: Tx, session: Session, packetId: number): void {
  const conn = session.conn as ConnId;
  const result = aedesPubrec(session, packetId, tx);
  putSession(tx, result.session);
  if (result.outcome === 'no-such-packet') dropConnection(tx, conn, true);
  else if (aedesWritesDue(result.session)) tx.effects.push(pubrelTimer);
}

/** AEDES_PUBREL_TIMER: every connected session's due PUBREL writes. */
export function aedesWriteDue(tx: Tx): void {
  const atStart = tx.sessions;
  for (const clientId in atStart) {
    const session = atStart[clientId] as Session;
    const next = aedesWritePubrels(session, tx);
    if (next !== session) putSession(tx, next);
  }
}
