// The consumer: a paho-mqtt 1.x client (verified against src/paho/mqtt/client.py at v1.6.1)
// that subscribes on every connect and hands each message to an application callback. paho
// runs the callback on its network thread, so while a handler runs nothing else is read or
// written: later packets wait in a backlog (the socket's receive buffer), queued acknowledgements
// wait in _out_packet. What is acknowledged when is the profile's (models/consumer-receipt.ts).
// Two application options sit on top: 'dedup' (models/consumer-dedup.ts) skips a message whose
// id it has handled, and e2e_ack (models/e2e-ack.ts) publishes a reply after handling, which
// makes this consumer a publisher too, with paho's outgoing message store for its replies.
import { assert, ModelInvariantError, unreachable } from './assert.ts';
import type { ClientConnection, ClientContext } from './client-connection.ts';
import {
  attemptBegan,
  clientConnack,
  clientConnected,
  clientContext,
  clientDisconnected,
  clientGoOffline,
  clientGoOnline,
  clientLoopFree,
  clientLoopTimer,
  clientQueue,
  clientReconnectTimer,
  clientStart,
  initialClient,
  loopTimer,
  reconnectTimer,
  socketConn,
  withNextMid,
} from './client-connection.ts';
import type { OutMessages, OutWrite } from './client-out-messages.ts';
import { outOnAck, outOnConnack, outOnPubrec, outReconnectReset } from './client-out-messages.ts';
import { pahoPublish } from './client-publish.ts';
import type { Config, ConsumerProfile } from './config.ts';
import { dedupCommit, dedupHas, emptyDedupStore, type DedupStore } from './consumer-dedup.ts';
import type { Receipt, ReceiptStores } from './consumer-receipt.ts';
import { emptyStores, receiptReconnectReset, receivePublish, receivePubrel, receiptSessionLost, rememberHandled } from './consumer-receipt.ts';
import { e2eAckTopic } from './e2e-ack.ts';
import { ghostOf, type MessageId } from './ghost.ts';
import { stepFromInto, type ConnId, type Effect, type NodeInput, type NodeModel } from './node.ts';
import type { AckPacket, Packet, QoS, Subscription } from './packets.ts';

export const handlingTimer = 'handling';

/** Packets read while a handler runs; a broker's inflight limit keeps this short, this bound catches a runaway. */
export const backlogMax = 100_000;

export interface Handling {
  /** The ghost id, for history events only. */
  readonly message: MessageId;
  /** The payload, which is the application's message id (e2e-ack.ts): what 'dedup' records and e2e_ack names. */
  readonly payload: string;
  /** The connection the message came on: its acknowledgement is written only if that one is still open. */
  readonly conn: ConnId;
  readonly ackAfter: AckPacket | null;
}

export interface Backlogged {
  readonly conn: ConnId;
  readonly packet: Packet;
}

export interface ConsumerState {
  readonly client: ClientConnection;
  readonly stores: ReceiptStores;
  /** The application callback running now, if any: the network thread is busy in it. */
  readonly handling: Handling | null;
  /** Packets that arrived while a handler ran, oldest first; empty whenever handling is null. */
  readonly backlog: readonly Backlogged[];
  /** e2e_ack: paho _out_messages of the replies not yet acknowledged by the broker. Volatile. */
  readonly replies: OutMessages;
  /** 'dedup': the ids whose handling committed. Durable: the one part a crash keeps. */
  readonly dedup: DedupStore;
}

interface ConsumerContext {
  readonly name: string;
  readonly profile: ConsumerProfile;
  readonly client: ClientContext;
  readonly armHandling: Effect;
  readonly subscriptions: readonly Subscription[];
  /** 'dedup': the handler skips ids in the dedup store and commits each id it handles. */
  readonly dedup: boolean;
  /** e2e_ack: where and at which QoS the application publishes its replies; null without. */
  readonly e2e: { readonly topic: string; readonly qos: QoS } | null;
}

const noBacklog: readonly Backlogged[] = [];
const noReplies: OutMessages = { outMessages: [], inflight: 0 };

/** One fixed shape for every state (spreading with overrides is slow on V8's hot path). */
function consumerOf(
  client: ClientConnection,
  stores: ReceiptStores,
  handling: Handling | null,
  backlog: readonly Backlogged[],
  replies: OutMessages,
  dedup: DedupStore,
): ConsumerState {
  return { client, stores, handling, backlog, replies, dedup };
}

function withClientOnly(state: ConsumerState, client: ClientConnection): ConsumerState {
  return consumerOf(client, state.stores, state.handling, state.backlog, state.replies, state.dedup);
}

const initialConsumer: ConsumerState = consumerOf(initialClient, emptyStores, null, noBacklog, noReplies, emptyDedupStore);

/** What a kill -9 (or SIGTERM: no handler, nothing flushed) leaves: paho keeps nothing on disk, the dedup store is on disk. */
function afterCrash(state: ConsumerState): ConsumerState {
  return state.dedup.length === 0 ? initialConsumer : consumerOf(initialClient, emptyStores, null, noBacklog, noReplies, state.dedup);
}

export function createConsumer(config: Config, name = 'consumer'): NodeModel<ConsumerState> {
  const { consumer } = config;
  const ctx: ConsumerContext = {
    name,
    profile: consumer.profile,
    client: clientContext({
      clientId: consumer.client_id,
      cleanSession: consumer.clean_session,
      loopMs: consumer.loopMs,
      reconnectDelayMs: config.timing.reconnectDelayMs,
    }),
    armHandling: { kind: 'set-timer', timer: handlingTimer, afterMs: consumer.handlingMs },
    // The blog's consumer calls subscribe(topic, qos) in on_connect, i.e. after every CONNACK.
    subscriptions: [{ topic: config.topic, qos: config.qos }],
    dedup: consumer.profile === 'dedup',
    // Replies go at the message QoS, so they are as reliable as what they acknowledge.
    e2e: consumer.e2e_ack ? { topic: e2eAckTopic(config.topic), qos: config.qos } : null,
  };
  const stepInto = (state: ConsumerState, input: NodeInput, _nowMs: number, fx: Effect[]): ConsumerState => consumerStep(ctx, state, input, fx);
  return {
    role: 'consumer',
    init: () => initialConsumer,
    step: stepFromInto(stepInto),
    stepInto,
    // paho keeps _in_messages and _out_messages in memory only; the dedup store is on disk.
    crash: afterCrash,
  };
}

function busy(state: ConsumerState): boolean {
  return state.handling !== null;
}

function consumerStep(ctx: ConsumerContext, state: ConsumerState, input: NodeInput, fx: Effect[]): ConsumerState {
  const c = ctx.client;
  switch (input.kind) {
    case 'start':
      return withClient(ctx, state, clientStart(c, state.client, fx));
    case 'connected':
      return withClientOnly(state, clientConnected(c, state.client, input.conn, fx));
    case 'disconnected':
      return withClient(ctx, state, clientDisconnected(c, state.client, input.conn, busy(state), fx));
    case 'timer':
      return onTimer(ctx, state, input.timer, fx);
    case 'packet':
      return onPacket(ctx, state, input.conn, input.packet, fx);
    case 'go-offline':
      return withClient(ctx, state, clientGoOffline(c, state.client, busy(state), fx));
    case 'go-online':
      return withClient(ctx, state, clientGoOnline(c, state.client, fx));
    case 'publish':
      throw new ModelInvariantError(`consumer ${ctx.name} got publish: only the producer publishes`);
    case 'stop':
      // SIGTERM ends a Python process with no handler at once: nothing is flushed or saved.
      return afterCrash(state);
    default:
      return unreachable(input);
  }
}

/**
 * Applies a change of the connection: bytes unread on a socket that closed are gone, and a new
 * attempt resets the incoming store (reconnect() -> _messages_reconnect_reset_in) and the
 * outgoing replies (_messages_reconnect_reset_out).
 */
function withClient(ctx: ConsumerContext, state: ConsumerState, client: ClientConnection): ConsumerState {
  const backlog = state.backlog.length > 0 && socketConn(client) !== socketConn(state.client) ? noBacklog : state.backlog;
  const began = attemptBegan(state.client, client);
  const cleanSession = ctx.client.settings.cleanSession;
  const stores = began ? receiptReconnectReset(state.stores, cleanSession) : state.stores;
  const replies = began ? outReconnectReset(state.replies.outMessages, cleanSession) : state.replies;
  return consumerOf(client, stores, state.handling, backlog, replies, state.dedup);
}

function onTimer(ctx: ConsumerContext, state: ConsumerState, timer: string, fx: Effect[]): ConsumerState {
  if (timer === reconnectTimer) return withClient(ctx, state, clientReconnectTimer(ctx.client, state.client, fx));
  if (timer === loopTimer) return withClient(ctx, state, clientLoopTimer(ctx.client, state.client, busy(state), fx));
  if (timer === handlingTimer) return finishHandling(ctx, state, fx);
  throw new ModelInvariantError(`consumer ${ctx.name}: unknown timer ${JSON.stringify(timer)}`);
}

function onPacket(ctx: ConsumerContext, state: ConsumerState, conn: ConnId, packet: Packet, fx: Effect[]): ConsumerState {
  assert(conn === socketConn(state.client), () => `consumer ${ctx.name}: ${packet.cmd} on connection ${conn} it does not read: ${JSON.stringify(state)}`);
  if (!busy(state)) return receive(ctx, state, conn, packet, fx);
  assert(state.backlog.length < backlogMax, () => `consumer ${ctx.name}: backlog beyond ${backlogMax} packets`);
  const backlog = state.backlog.slice();
  backlog.push({ conn, packet });
  return consumerOf(state.client, state.stores, state.handling, backlog, state.replies, state.dedup);
}

/** The network thread reads one packet (paho _packet_handle). */
function receive(ctx: ConsumerContext, state: ConsumerState, conn: ConnId, packet: Packet, fx: Effect[]): ConsumerState {
  switch (packet.cmd) {
    case 'connack': {
      let client = clientConnack(ctx.client, state.client, conn, packet, fx);
      if (client.link.kind !== 'up') return withClient(ctx, state, client);
      client = withNextMid(client);
      client = clientQueue(ctx.client, client, { cmd: 'subscribe', messageId: client.lastMid, subscriptions: ctx.subscriptions }, false, fx);
      const stores = packet.sessionPresent ? state.stores : receiptSessionLost(ctx.profile, state.stores);
      const next = withClient(ctx, stores === state.stores ? state : consumerOf(state.client, stores, state.handling, state.backlog, state.replies, state.dedup), client);
      // _handle_connack: on_connect (the SUBSCRIBE above) first, then the stored replies are written.
      return ctx.e2e === null ? next : withReplyWrite(ctx, next, outOnConnack(next.replies), fx);
    }
    case 'suback': {
      const link = state.client.link;
      assert(link.kind === 'up', () => `consumer ${ctx.name}: SUBACK before CONNACK: ${JSON.stringify(state)}`);
      fx.push({ kind: 'history', event: { kind: 'subscribed', node: ctx.name, sessionPresent: link.sessionPresent } });
      return state;
    }
    case 'publish': {
      const receipt = receivePublish(ctx.profile, state.stores, packet);
      if (!receipt.recognised) {
        const message = ghostOf(packet.payload);
        fx.push({ kind: 'history', event: { kind: 'delivered', node: ctx.name, message, dup: packet.dup, qos: packet.qos } });
      }
      return applyReceipt(ctx, state, conn, receipt, fx);
    }
    case 'pubrel':
      return applyReceipt(ctx, state, conn, receivePubrel(ctx.profile, state.stores, packet.messageId), fx);
    case 'puback':
    case 'pubcomp': {
      // The broker acknowledges a reply (_handle_pubackcomp); only an e2e_ack consumer publishes.
      assert(ctx.e2e !== null, () => `consumer ${ctx.name} publishes nothing, got ${packet.cmd}: ${JSON.stringify(packet)}`);
      const out = outOnAck(state.replies, packet.messageId);
      return out === null ? state : withReplyWrite(ctx, state, out, fx);
    }
    case 'pubrec': {
      assert(ctx.e2e !== null, () => `consumer ${ctx.name} publishes nothing, got pubrec: ${JSON.stringify(packet)}`);
      const out = outOnPubrec(state.replies, packet.messageId);
      return out === null ? state : withReplyWrite(ctx, state, out, fx);
    }
    case 'connect':
    case 'subscribe':
    case 'disconnect':
      // A 3.1.1 broker sends no CONNECT/SUBSCRIBE/DISCONNECT.
      throw new ModelInvariantError(`consumer ${ctx.name} got ${packet.cmd}: ${JSON.stringify(packet)}`);
    default:
      return unreachable(packet);
  }
}

function applyReceipt(ctx: ConsumerContext, state: ConsumerState, conn: ConnId, receipt: Receipt, fx: Effect[]): ConsumerState {
  const client = receipt.ackNow === null ? state.client : clientQueue(ctx.client, state.client, receipt.ackNow, false, fx);
  const received = consumerOf(client, receipt.stores, state.handling, state.backlog, state.replies, state.dedup);
  const handle = receipt.handle;
  if (handle === null) return received;
  if (ctx.dedup && dedupHas(state.dedup, handle.payload)) {
    // The handler looks the id up, finds it handled and returns at once: no side effect, no
    // 'handling-started'; then, as after any handling, the replies and the acknowledgement.
    return afterHandler(ctx, received, conn, handle.payload, handle.ackAfter, fx);
  }
  fx.push({ kind: 'history', event: { kind: 'handling-started', node: ctx.name, message: handle.message } });
  fx.push(ctx.armHandling);
  const handling: Handling = { message: handle.message, payload: handle.payload, conn, ackAfter: handle.ackAfter };
  return consumerOf(client, receipt.stores, handling, state.backlog, state.replies, state.dedup);
}

/** The handler returns: its side effect is done; its acknowledgement is queued if its connection is still open. */
function finishHandling(ctx: ConsumerContext, state: ConsumerState, fx: Effect[]): ConsumerState {
  const handling = state.handling;
  assert(handling !== null, () => `consumer ${ctx.name}: handling timer with no handler running: ${JSON.stringify(state)}`);
  fx.push({ kind: 'history', event: { kind: 'handled', node: ctx.name, message: handling.message } });
  // 'dedup': the side effect and the record of its id commit together, in this step.
  const dedup = ctx.dedup ? dedupCommit(state.dedup, handling.payload) : state.dedup;
  const done = consumerOf(state.client, state.stores, null, state.backlog, state.replies, dedup);
  const answered = afterHandler(ctx, done, handling.conn, handling.payload, handling.ackAfter, fx);
  const next = withClientOnly(answered, clientLoopFree(ctx.client, answered.client, fx));
  return drainBacklog(ctx, next, fx);
}

/**
 * What follows a handler's return, or a 'dedup' handler's early return for a known id: the
 * e2e_ack reply, which the application publishes before it returns, then the acknowledgement.
 */
function afterHandler(ctx: ConsumerContext, state: ConsumerState, conn: ConnId, payload: string, ackAfter: AckPacket | null, fx: Effect[]): ConsumerState {
  const replied = ctx.e2e === null ? state : publishReply(ctx, ctx.e2e, state, payload, fx);
  let client = replied.client;
  // paho drops _out_packet on reconnect (and a crash drops everything): the ack of a handler
  // that outlived its connection is never written.
  if (ackAfter !== null && socketConn(client) === conn) client = clientQueue(ctx.client, client, ackAfter, false, fx);
  const stores = rememberHandled(replied.stores, ackAfter);
  return consumerOf(client, stores, replied.handling, replied.backlog, replied.replies, replied.dedup);
}

/** The application's publish(reply topic, payload, qos) (client-publish.ts). */
function publishReply(ctx: ConsumerContext, e2e: NonNullable<ConsumerContext['e2e']>, state: ConsumerState, payload: string, fx: Effect[]): ConsumerState {
  const published = pahoPublish(ctx.client, state.client, state.replies, e2e.topic, payload, e2e.qos, fx);
  const replies: OutMessages = { outMessages: published.outMessages, inflight: published.inflight };
  return consumerOf(published.client, state.stores, state.handling, state.backlog, replies, state.dedup);
}

/** Stores the replies' new bookkeeping and queues what it wants written. */
function withReplyWrite(ctx: ConsumerContext, state: ConsumerState, out: OutWrite, fx: Effect[]): ConsumerState {
  let client = state.client;
  for (const packet of out.packets) client = clientQueue(ctx.client, client, packet, false, fx);
  const replies: OutMessages = { outMessages: out.outMessages, inflight: out.inflight };
  return consumerOf(client, state.stores, state.handling, state.backlog, replies, state.dedup);
}

/** paho's loop_read goes on reading: backlogged packets are processed until one starts a handler. */
function drainBacklog(ctx: ConsumerContext, state: ConsumerState, fx: Effect[]): ConsumerState {
  const backlog = state.backlog;
  let next = state;
  let read = 0;
  while (next.handling === null && read < backlog.length) {
    const { conn, packet } = backlog[read] as Backlogged;
    read += 1;
    // A socket closed since (a refused CONNACK) has no more bytes to read.
    if (conn === socketConn(next.client)) next = receive(ctx, next, conn, packet, fx);
  }
  if (read === 0) return next;
  const rest = read === backlog.length ? noBacklog : backlog.slice(read);
  return consumerOf(next.client, next.stores, next.handling, rest, next.replies, next.dedup);
}
