// The consumer: a paho-mqtt 1.x client (verified against src/paho/mqtt/client.py at v1.6.1)
// that subscribes on every connect and hands each message to an application callback. paho
// runs the callback on its network thread, so while a handler runs nothing else is read or
// written: later packets wait in a backlog (the socket's receive buffer), queued acknowledgements
// wait in _out_packet. What is acknowledged when is the profile's (models/consumer-receipt.ts).
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
import type { Config, ConsumerProfile } from './config.ts';
import type { Receipt, ReceiptStores } from './consumer-receipt.ts';
import { emptyStores, receiptReconnectReset, receivePublish, receivePubrel, rememberHandled } from './consumer-receipt.ts';
import { ghostOf, type MessageId } from './ghost.ts';
import type { ConnId, Effect, NodeInput, NodeModel, StepResult } from './node.ts';
import type { AckPacket, Packet, Subscription } from './packets.ts';

export const handlingTimer = 'handling';

/** Packets read while a handler runs; a broker's inflight limit keeps this short, this bound catches a runaway. */
export const backlogMax = 100_000;

export interface Handling {
  /** The ghost id, for history events only. */
  readonly message: MessageId;
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
}

interface ConsumerContext {
  readonly name: string;
  readonly profile: ConsumerProfile;
  readonly client: ClientContext;
  readonly armHandling: Effect;
  readonly subscriptions: readonly Subscription[];
}

const noBacklog: readonly Backlogged[] = [];
/** One fixed shape for every state (spreading with overrides is slow on V8's hot path). */
function consumerOf(client: ClientConnection, stores: ReceiptStores, handling: Handling | null, backlog: readonly Backlogged[]): ConsumerState {
  return { client, stores, handling, backlog };
}

const initialConsumer: ConsumerState = consumerOf(initialClient, emptyStores, null, noBacklog);

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
  };
  const step = (state: ConsumerState, input: NodeInput): StepResult<ConsumerState> => {
    const fx: Effect[] = [];
    return { state: consumerStep(ctx, state, input, fx), effects: fx };
  };
  return {
    role: 'consumer',
    init: () => initialConsumer,
    step,
    // paho keeps _in_messages in memory only: a kill -9 leaves nothing.
    crash: () => initialConsumer,
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
      return consumerOf(clientConnected(c, state.client, input.conn, fx), state.stores, state.handling, state.backlog);
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
      return initialConsumer;
    default:
      return unreachable(input);
  }
}

/**
 * Applies a change of the connection: bytes unread on a socket that closed are gone, and a new
 * attempt resets the incoming store (reconnect() -> _messages_reconnect_reset_in).
 */
function withClient(ctx: ConsumerContext, state: ConsumerState, client: ClientConnection): ConsumerState {
  const backlog = state.backlog.length > 0 && socketConn(client) !== socketConn(state.client) ? noBacklog : state.backlog;
  const stores = attemptBegan(state.client, client) ? receiptReconnectReset(state.stores, ctx.client.settings.cleanSession) : state.stores;
  return consumerOf(client, stores, state.handling, backlog);
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
  return consumerOf(state.client, state.stores, state.handling, backlog);
}

/** The network thread reads one packet (paho _packet_handle). */
function receive(ctx: ConsumerContext, state: ConsumerState, conn: ConnId, packet: Packet, fx: Effect[]): ConsumerState {
  switch (packet.cmd) {
    case 'connack': {
      let client = clientConnack(ctx.client, state.client, conn, packet, fx);
      if (client.link.kind === 'up') {
        client = withNextMid(client);
        client = clientQueue(ctx.client, client, { cmd: 'subscribe', messageId: client.lastMid, subscriptions: ctx.subscriptions }, false, fx);
      }
      return withClient(ctx, state, client);
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
    case 'connect':
    case 'subscribe':
    case 'disconnect':
    case 'puback':
    case 'pubrec':
    case 'pubcomp':
      // The consumer publishes nothing, and a 3.1.1 broker sends no CONNECT/SUBSCRIBE/DISCONNECT.
      throw new ModelInvariantError(`consumer ${ctx.name} got ${packet.cmd}: ${JSON.stringify(packet)}`);
    default:
      return unreachable(packet);
  }
}

function applyReceipt(ctx: ConsumerContext, state: ConsumerState, conn: ConnId, receipt: Receipt, fx: Effect[]): ConsumerState {
  const client = receipt.ackNow === null ? state.client : clientQueue(ctx.client, state.client, receipt.ackNow, false, fx);
  const handle = receipt.handle;
  if (handle === null) return consumerOf(client, receipt.stores, state.handling, state.backlog);
  fx.push({ kind: 'history', event: { kind: 'handling-started', node: ctx.name, message: handle.message } });
  fx.push(ctx.armHandling);
  const handling: Handling = { message: handle.message, conn, ackAfter: handle.ackAfter };
  return consumerOf(client, receipt.stores, handling, state.backlog);
}

/** The handler returns: its side effect is done; its acknowledgement is queued if its connection is still open. */
function finishHandling(ctx: ConsumerContext, state: ConsumerState, fx: Effect[]): ConsumerState {
  const handling = state.handling;
  assert(handling !== null, () => `consumer ${ctx.name}: handling timer with no handler running: ${JSON.stringify(state)}`);
  fx.push({ kind: 'history', event: { kind: 'handled', node: ctx.name, message: handling.message } });
  let client = state.client;
  // paho drops _out_packet on reconnect (and a crash drops everything): the ack of a handler
  // that outlived its connection is never written.
  if (handling.ackAfter !== null && socketConn(client) === handling.conn) {
    client = clientQueue(ctx.client, client, handling.ackAfter, false, fx);
  }
  client = clientLoopFree(ctx.client, client, fx);
  const stores = rememberHandled(state.stores, handling.ackAfter);
  return drainBacklog(ctx, consumerOf(client, stores, null, state.backlog), fx);
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
  return consumerOf(next.client, next.stores, next.handling, read === backlog.length ? noBacklog : backlog.slice(read));
}
