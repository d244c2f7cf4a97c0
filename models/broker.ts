// The broker model: a pure state machine of Mosquitto 2.0.11 (Debian bookworm's broker) speaking
// MQTT 3.1.1. Each rule cites the Mosquitto source (tag v2.0.11) or the spec clause it follows.
// Files: broker-tx.ts (a step in progress), broker-publish.ts (PUBLISH in and out),
// broker-session.ts and broker-acks.ts (a session's outgoing lists), broker-persist.ts (saves).
import { assert, ModelInvariantError, unreachable } from './assert.ts';
import { deleteOutgoing, receivedPubrec, reconnectSession } from './broker-acks.ts';
import { AEDES_PUBREL_TIMER, AEDES_RESEND_TIMER, AEDES_RESUME_TIMER, aedesAwaitResume, aedesBeforeResume, aedesClearMessageId, aedesForwardQos, aedesPubrecStep, aedesResendNext, aedesTakeSnapshots, aedesWriteDue, aedesWriteForwards } from './broker-aedes.ts';
import { restoreSessions, snapshotHoldsPayload, takeSnapshot, type BrokerSnapshot } from './broker-persist.ts';
import { publish, pubrel } from './broker-publish.ts';
import { newSession, withSubscriptions, writeInflightOutAll, writeInflightOutLatest, writeQueuedOut, type Session } from './broker-session.ts';
import { beginTx, deleteConn, dropConnection, putConn, putSession, type Tx } from './broker-tx.ts';
import type { BrokerConfig } from './config.ts';
import { ghostPayload, type MessageId } from './ghost.ts';
import { stepFromInto, type ConnId, type Effect, type NodeInput, type NodeModel } from './node.ts';
import type { ConnectPacket, Packet, SubscribePacket } from './packets.ts';

export type { BrokerSnapshot, DurableSession } from './broker-persist.ts';
export type { InMessage, OutMessage, OutPhase, Session } from './broker-session.ts';

export interface BrokerState {
  /** Whether the process runs; a node that has never started, or has stopped or crashed, is down. */
  readonly up: boolean;
  /** Accepted connections: the client id once CONNECT is handled, null before. Volatile. */
  readonly conns: Readonly<Record<ConnId, string | null>>;
  /** Sessions by client id: every connected client, and every persistent one that is away. Volatile. */
  readonly sessions: Readonly<Record<string, Session>>;
  /** db.persistence_changes, counted towards autosave_on_changes. Volatile. */
  readonly changes: number;
  /** The last database file written, or null: nothing on disk (always null without persistence). */
  readonly durable: BrokerSnapshot | null;
}

export const AUTOSAVE_TIMER = 'autosave';

export function createBroker(config: BrokerConfig, name = 'broker'): NodeModel<BrokerState> {
  // loop.c mosquitto_main_loop: autosave only with persistence and autosave_interval > 0; it
  // counts seconds, or with autosave_on_changes it counts db.persistence_changes.
  const timedAutosave = config.persistence && config.autosave_interval > 0 && !config.autosave_on_changes;
  const changeAutosave = config.persistence && config.autosave_interval > 0 && config.autosave_on_changes;
  // Mosquitto saves once `last_backup + autosave_interval < now` in whole seconds, i.e. every
  // autosave_interval + 1 s in practice; the model saves every autosave_interval s exactly.
  const autosaveIntervalMs = config.autosave_interval * 1000;
  // Harness extension (config.ts save_before_ack), not Mosquitto: presets.ts validateConfig
  // refuses it without persistence, the assertion says so to a caller that skipped validation.
  const saveBeforeAck = config.save_before_ack === true;
  assert(!saveBeforeAck || config.persistence, () => `broker ${name}: save_before_ack needs persistence: ${JSON.stringify(config)}`);
  const autosaveTimer: Effect = { kind: 'set-timer', timer: AUTOSAVE_TIMER, afterMs: autosaveIntervalMs, background: true };
  // The aedes-1.2 profile's outgoing store and its PUBREL writes (broker-aedes.ts).
  const aedes = config.profile === 'aedes-1.2';

  function init(): BrokerState {
    return { up: false, conns: {}, sessions: {}, changes: 0, durable: null };
  }

  function crash(state: BrokerState): BrokerState {
    // kill -9: memory is gone, the last database file stays.
    return { up: false, conns: {}, sessions: {}, changes: 0, durable: state.durable };
  }

  function stepInto(state: BrokerState, input: NodeInput, _nowMs: number, fx: Effect[]): BrokerState {
    if (input.kind === 'start') return start(state, fx);
    assert(state.up, () => `broker ${name} got ${input.kind} while down: ${JSON.stringify(state)}`);
    switch (input.kind) {
      case 'connected':
        return connected(state, input.conn);
      case 'disconnected':
        return disconnected(state, input.conn, fx);
      case 'packet':
        return packet(state, input.conn, input.packet, fx);
      case 'timer':
        return timer(state, input.timer, fx);
      case 'stop':
        return stop(state, fx);
      case 'publish':
      case 'go-offline':
      case 'go-online':
        throw new ModelInvariantError(`broker ${name} got application input ${JSON.stringify(input)}`);
      default:
        return unreachable(input);
    }
  }

  /** database.c db__open → persist__restore: every saved client comes back offline. */
  function start(state: BrokerState, fx: Effect[]): BrokerState {
    assert(!state.up, () => `broker ${name} started while running: ${JSON.stringify(state)}`);
    const durable = config.persistence ? state.durable : null;
    const sessions = durable === null ? {} : restoreSessions(durable, config);
    if (timedAutosave) fx.push(autosaveTimer);
    return { up: true, conns: {}, sessions, changes: 0, durable };
  }

  function finish(state: BrokerState, tx: Tx): BrokerState {
    let durable = state.durable;
    let changes = tx.changes;
    if (saveBeforeAck) {
      // The hypothetical ideal broker: the database is written (and synced) as part of the step,
      // i.e. before any packet the step emits leaves, since a kill -9 can strike only between
      // steps. Every session change counts, not only db.persistence_changes. The sessions
      // record is copied on a step's first write to it (broker-tx.ts), so an unchanged
      // reference means nothing a snapshot holds changed.
      if (tx.sessions !== state.sessions) durable = takeSnapshot(tx.sessions);
      return { up: true, conns: tx.conns, sessions: tx.sessions, changes: 0, durable };
    }
    // loop.c: with autosave_on_changes, save once the change count reaches autosave_interval
    // (checked once per main-loop pass, i.e. after each batch of packets; here after each step).
    if (changeAutosave && changes >= config.autosave_interval) {
      durable = takeSnapshot(tx.sessions);
      changes = 0;
    }
    // Only autosave_on_changes reads the count (Mosquitto counts regardless): keeping it otherwise
    // would make states that behave alike differ.
    if (!changeAutosave) changes = 0;
    return { up: true, conns: tx.conns, sessions: tx.sessions, changes, durable };
  }

  function connected(state: BrokerState, conn: ConnId): BrokerState {
    assert(state.conns[conn] === undefined, () => `broker ${name}: connection ${conn} accepted twice: ${JSON.stringify(state)}`);
    // A TCP accept creates a context (context__init) that waits for CONNECT.
    // The record is copied, then written: a literal with a computed key is built by the runtime, slowly.
    const conns: Record<ConnId, string | null> = { ...state.conns };
    conns[conn] = null;
    return { up: state.up, conns, sessions: state.sessions, changes: state.changes, durable: state.durable };
  }

  function disconnected(state: BrokerState, conn: ConnId, fx: Effect[]): BrokerState {
    // The world may report the hangup of a connection the broker already closed itself (after a
    // DISCONNECT, a takeover or a protocol error, when the client closed its end too): no-op.
    if (state.conns[conn] === undefined) return state;
    const tx = beginTx(config, name, state.sessions, state.conns, state.changes, fx);
    dropConnection(tx, conn, false);
    return finish(state, tx);
  }

  function packet(state: BrokerState, conn: ConnId, packet: Packet, fx: Effect[]): BrokerState {
    const clientId = state.conns[conn];
    assert(clientId !== undefined, () => `broker ${name}: ${packet.cmd} on unknown connection ${conn}: ${JSON.stringify(state)}`);
    const tx = beginTx(config, name, state.sessions, state.conns, state.changes, fx);
    if (packet.cmd === 'connect') {
      // MQTT-3.1.0-2: a second CONNECT is a protocol violation; no client model sends one.
      assert(clientId === null, () => `broker ${name}: second CONNECT on connection ${conn}: ${JSON.stringify(state)}`);
      connect(tx, conn, packet);
      return finish(state, tx);
    }
    // handle_publish.c etc. reject any packet before CONNECT (state != mosq_cs_active); no
    // client model sends one, so it is a harness bug.
    assert(clientId !== null, () => `broker ${name}: ${packet.cmd} before CONNECT on connection ${conn}: ${JSON.stringify(state)}`);
    const session = state.sessions[clientId];
    assert(session !== undefined && session.conn === conn, () => `broker ${name}: connection ${conn} has no session: ${JSON.stringify(state)}`);
    switch (packet.cmd) {
      case 'publish':
        if (publish(tx, session, packet) === 'close') dropConnection(tx, conn, true);
        break;
      case 'pubrel':
        pubrel(tx, session, packet.messageId);
        break;
      case 'puback':
      case 'pubcomp': {
        if (aedes) {
          putSession(tx, aedesClearMessageId(session, packet.messageId, tx));
          break;
        }
        const result = deleteOutgoing(session, packet.messageId, packet.cmd === 'puback' ? 1 : 2, config, tx);
        putSession(tx, result.session);
        // db__message_delete_outgoing returns MOSQ_ERR_PROTOCOL for a QoS or state mismatch,
        // and the caller's error disconnects the client.
        if (result.outcome === 'protocol-error') dropConnection(tx, conn, true);
        break;
      }
      case 'pubrec': {
        if (aedes) {
          aedesPubrecStep(tx, session, packet.messageId);
          break;
        }
        const result = receivedPubrec(session, packet.messageId, tx);
        putSession(tx, result.session);
        if (result.outcome === 'protocol-error') dropConnection(tx, conn, true);
        break;
      }
      case 'subscribe':
        subscribe(tx, session, packet);
        break;
      case 'disconnect':
        // handle_disconnect.c → do_disconnect: the broker closes the socket itself.
        dropConnection(tx, conn, true);
        break;
      case 'connack':
      case 'suback':
        throw new ModelInvariantError(`broker ${name}: client sent ${packet.cmd} on connection ${conn}: ${JSON.stringify(state)}`);
      default:
        return unreachable(packet);
    }
    return finish(state, tx);
  }

  /** handle_connect.c connect__on_authorised. */
  function connect(tx: Tx, conn: ConnId, packet: ConnectPacket): void {
    const found = tx.sessions[packet.clientId];
    let session: Session;
    let sessionPresent = false;
    if (found === undefined) {
      session = newSession(packet.clientId, packet.clean, conn, config);
    } else {
      // "Client <id> already connected, closing old connection." (session takeover, MQTT-3.1.4-2).
      if (found.conn !== null) {
        deleteConn(tx, found.conn);
        tx.effects.push({ kind: 'close', conn: found.conn });
      }
      if (!packet.clean && !found.clean) {
        // Resume: messages, subscriptions and last_mid move over and db__message_reconnect_reset
        // readies the messages for resending; CONNACK's session present flag is set (MQTT-3.2.2-2).
        sessionPresent = true;
        session = reconnectSession(aedes ? aedesBeforeResume(found) : found, conn, config);
      } else {
        // clean_session=1 discards the old session (sub__clean_session; MQTT-3.1.2-6), and a
        // clean old session is never resumed (its session_expiry_interval is 0).
        session = newSession(packet.clientId, packet.clean, conn, config);
      }
    }
    // A persistent client's connect counts as a change (handle_connect.c, db.persistence_changes++).
    if (!packet.clean) tx.changes += 1;
    putConn(tx, conn, packet.clientId);
    tx.effects.push({ kind: 'send', conn, packet: { cmd: 'connack', returnCode: 0, sessionPresent } });
    // After CONNACK: db__message_write_queued_out, then db__message_write_inflight_out_all, so
    // resends (PUBLISH with DUP, PUBREL) go out in in-flight list order, then the newly admitted.
    session = writeQueuedOut(session, config);
    // aedes writes a resumed session's resends a moment later (broker-aedes.ts aedesAwaitResume).
    session = aedes && sessionPresent ? aedesAwaitResume(session, tx) : writeInflightOutAll(session, tx);
    putSession(tx, session);
  }

  /** handle_subscribe.c: sub__add (an existing filter gets the new QoS), SUBACK, then pending writes. */
  function subscribe(tx: Tx, session: Session, packet: SubscribePacket): void {
    const conn = session.conn as ConnId;
    let subscriptions = session.subscriptions;
    for (const requested of packet.subscriptions) {
      const at = subscriptions.findIndex((existing) => existing.topic === requested.topic);
      const subscription = { topic: requested.topic, qos: requested.qos };
      subscriptions = at === -1 ? [...subscriptions, subscription] : subscriptions.map((existing, i) => (i === at ? subscription : existing));
    }
    // Granted = requested: the listener's max_qos is 2 by default (MQTT-3.9.3).
    tx.effects.push({ kind: 'send', conn, packet: { cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) } });
    tx.changes += 1;
    let next = withSubscriptions(session, subscriptions);
    next = writeQueuedOut(next, config);
    next = writeInflightOutLatest(next, tx);
    putSession(tx, next);
  }

  function timer(state: BrokerState, timerName: string, fx: Effect[]): BrokerState {
    if (aedes && timerName !== AUTOSAVE_TIMER) return aedesTimer(state, timerName, fx);
    assert(timerName === AUTOSAVE_TIMER && timedAutosave, () => `broker ${name}: unexpected timer ${timerName}: ${JSON.stringify(config)}`);
    fx.push(autosaveTimer);
    return { ...state, durable: takeSnapshot(state.sessions) };
  }

  /** The aedes-1.2 profile's deferred writes (broker-aedes.ts): PUBRELs, one QoS's forwards, a resume's snapshot or its next resend. */
  function aedesTimer(state: BrokerState, timerName: string, fx: Effect[]): BrokerState {
    const tx = beginTx(config, name, state.sessions, state.conns, state.changes, fx);
    const forwardQos = aedesForwardQos(timerName);
    if (forwardQos !== null) aedesWriteForwards(tx, forwardQos);
    else if (timerName === AEDES_RESUME_TIMER) aedesTakeSnapshots(tx);
    else if (timerName === AEDES_RESEND_TIMER) aedesResendNext(tx);
    else {
      assert(timerName === AEDES_PUBREL_TIMER, () => `broker ${name}: unexpected timer ${timerName}`);
      aedesWriteDue(tx);
    }
    return finish(state, tx);
  }

  /**
   * SIGTERM (mosquitto.c main after the loop ends): persist__backup(true), then every context is
   * cleaned up, closing its socket. Without persistence nothing is written.
   */
  function stop(state: BrokerState, fx: Effect[]): BrokerState {
    const durable = config.persistence ? takeSnapshot(state.sessions) : state.durable;
    for (const key in state.conns) fx.push({ kind: 'close', conn: Number(key) });
    if (timedAutosave) fx.push({ kind: 'cancel-timer', timer: AUTOSAVE_TIMER });
    return { up: false, conns: {}, sessions: {}, changes: 0, durable };
  }

  function snapshotHolds(state: BrokerState, message: MessageId): boolean {
    return state.durable !== null && snapshotHoldsPayload(state.durable, ghostPayload(message));
  }

  return { role: 'broker', init, step: stepFromInto(stepInto), stepInto, crash, snapshotHolds };
}
