// The producer: a paho-mqtt 1.x client (verified against src/paho/mqtt/client.py at v1.6.1)
// whose application calls publish(). Messages wait in memory (_out_messages, _out_packet) until
// the network loop writes them; nothing is on disk, so a crash forgets them all.
import { assert, ModelInvariantError, unreachable } from './assert.ts';
import type { ClientConnection, ClientContext } from './client-connection.ts';
import {
  attemptBegan,
  clientConnack,
  clientConnected,
  clientContext,
  clientDisconnected,
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
import type { OutMessage, OutWrite } from './client-out-messages.ts';
import { outMarkWritten, outOnAck, outOnConnack, outOnPubrec, outPublish, outReconnectReset } from './client-out-messages.ts';
import type { Config } from './config.ts';
import { ghostOf, ghostPayload, type MessageId } from './ghost.ts';
import type { ConnId, Effect, NodeInput, NodeModel, StepResult } from './node.ts';
import type { Packet, PublishPacket, QoS } from './packets.ts';

export interface ProducerState {
  readonly client: ClientConnection;
  /** paho _out_messages: QoS 1/2 messages not yet acknowledged, in publish order. */
  readonly outMessages: readonly OutMessage[];
  /** paho _inflight_messages. */
  readonly inflight: number;
}

/** One fixed shape for every state (spreading with overrides is slow on V8's hot path). */
function producerOf(client: ClientConnection, outMessages: readonly OutMessage[], inflight: number): ProducerState {
  return { client, outMessages, inflight };
}

function withClientOnly(state: ProducerState, client: ClientConnection): ProducerState {
  return producerOf(client, state.outMessages, state.inflight);
}

const initialProducer: ProducerState = producerOf(initialClient, [], 0);

export function createProducer(config: Config, name = 'producer'): NodeModel<ProducerState> {
  assert(config.producer.profile === 'paho', () => `unknown producer profile ${JSON.stringify(config.producer.profile)}`);
  const ctx = clientContext({
    clientId: config.producer.client_id,
    cleanSession: config.producer.clean_session,
    loopMs: config.producer.loopMs,
    reconnectDelayMs: config.timing.reconnectDelayMs,
  });
  const step = (state: ProducerState, input: NodeInput): StepResult<ProducerState> => {
    const fx: Effect[] = [];
    return { state: producerStep(ctx, name, state, input, fx), effects: fx };
  };
  return {
    role: 'producer',
    init: () => initialProducer,
    step,
    // paho keeps all session state in memory: a kill -9 leaves nothing.
    crash: () => initialProducer,
  };
}

function producerStep(ctx: ClientContext, name: string, state: ProducerState, input: NodeInput, fx: Effect[]): ProducerState {
  switch (input.kind) {
    case 'start':
      return withClient(ctx, state, clientStart(ctx, state.client, fx));
    case 'connected':
      return withClientOnly(state, clientConnected(ctx, state.client, input.conn, fx));
    case 'disconnected':
      // The producer's network thread never runs application code: it is never busy.
      return withClientOnly(state, clientDisconnected(ctx, state.client, input.conn, false, fx));
    case 'timer':
      return onTimer(ctx, name, state, input.timer, fx);
    case 'packet':
      return onPacket(ctx, name, state, input.conn, input.packet, fx);
    case 'publish':
      return publish(ctx, name, state, input.message, input.topic, input.qos, fx);
    case 'go-offline':
    case 'go-online':
      throw new ModelInvariantError(`producer ${name} got ${input.kind}: only a consumer goes offline`);
    case 'stop':
      // SIGTERM ends a Python process with no handler at once: nothing is flushed or saved.
      return initialProducer;
    default:
      return unreachable(input);
  }
}

/** A new connection attempt resets the messages (reconnect() -> _messages_reconnect_reset_out). */
function withClient(ctx: ClientContext, state: ProducerState, client: ClientConnection): ProducerState {
  if (!attemptBegan(state.client, client)) return withClientOnly(state, client);
  const out = outReconnectReset(state.outMessages, ctx.settings.cleanSession);
  return producerOf(client, out.outMessages, out.inflight);
}

function onTimer(ctx: ClientContext, name: string, state: ProducerState, timer: string, fx: Effect[]): ProducerState {
  if (timer === reconnectTimer) return withClient(ctx, state, clientReconnectTimer(ctx, state.client, fx));
  if (timer === loopTimer) return loopTurn(ctx, name, state, fx);
  throw new ModelInvariantError(`producer ${name}: unknown timer ${JSON.stringify(timer)}`);
}

/** The network loop writes _out_packet; the first write of a message is its publish-sent. */
function loopTurn(ctx: ClientContext, name: string, state: ProducerState, fx: Effect[]): ProducerState {
  const client = clientLoopTimer(ctx, state.client, false, fx);
  let outMessages = state.outMessages;
  for (const packet of state.client.outPackets) {
    if (packet.cmd !== 'publish') continue;
    if (packet.messageId !== undefined) {
      const marked = outMarkWritten(outMessages, packet.messageId);
      if (marked === null) continue;
      outMessages = marked;
    }
    // QoS 0 is never stored, so each of its writes is its only one.
    fx.push({ kind: 'history', event: { kind: 'publish-sent', node: name, message: ghostOf(packet.payload) } });
  }
  return producerOf(client, outMessages, state.inflight);
}

function publish(
  ctx: ClientContext,
  name: string,
  state: ProducerState,
  message: MessageId,
  topic: string,
  qos: QoS,
  fx: Effect[],
): ProducerState {
  assert(state.client.started, () => `producer ${name}: publish before start: ${JSON.stringify(state)}`);
  fx.push({ kind: 'history', event: { kind: 'publish-invoked', node: name, message, qos } });
  // publish() takes a mid even for QoS 0 (_mid_generate).
  const client = withNextMid(state.client);
  const mid = client.lastMid;
  const payload = ghostPayload(message);
  const socketOpen = socketConn(client) !== null;
  if (qos === 0) {
    // _send_publish without a socket returns MQTT_ERR_NO_CONN: a QoS 0 message is not kept.
    if (!socketOpen) return withClientOnly(state, client);
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false };
    return withClientOnly(state, clientQueue(ctx, client, packet, false, fx));
  }
  const out = outPublish(state, { mid, topic, payload, qos }, socketOpen);
  return applyWrite(ctx, client, out, fx);
}

/** Stores the new message bookkeeping and queues what it wants written. */
function applyWrite(ctx: ClientContext, before: ClientConnection, out: OutWrite, fx: Effect[]): ProducerState {
  let client = before;
  for (const packet of out.packets) client = clientQueue(ctx, client, packet, false, fx);
  return producerOf(client, out.outMessages, out.inflight);
}

function onPacket(ctx: ClientContext, name: string, state: ProducerState, conn: ConnId, packet: Packet, fx: Effect[]): ProducerState {
  assert(conn === socketConn(state.client), () => `producer ${name}: ${packet.cmd} on connection ${conn} it does not read: ${JSON.stringify(state)}`);
  switch (packet.cmd) {
    case 'connack': {
      const client = clientConnack(ctx, state.client, conn, packet, fx);
      if (client.link.kind !== 'up') return withClientOnly(state, client);
      // _handle_connack writes what reconnect() reset to 'publish' / 'resend-pubrel'.
      return applyWrite(ctx, client, outOnConnack(state), fx);
    }
    case 'puback':
    case 'pubcomp': {
      const out = outOnAck(state, packet.messageId);
      if (out === null) return state;
      fx.push({ kind: 'history', event: { kind: 'publish-acked', node: name, message: ghostOf(out.acked.payload) } });
      return applyWrite(ctx, state.client, out, fx);
    }
    case 'pubrec': {
      const out = outOnPubrec(state, packet.messageId);
      return out === null ? state : applyWrite(ctx, state.client, out, fx);
    }
    case 'connect':
    case 'publish':
    case 'pubrel':
    case 'subscribe':
    case 'suback':
    case 'disconnect':
      // The producer subscribes to nothing and publishes only upwards; a broker never sends these to it.
      throw new ModelInvariantError(`producer ${name} got ${packet.cmd}: ${JSON.stringify(packet)}`);
    default:
      return unreachable(packet);
  }
}
