// The producer: a paho-mqtt 1.x client (verified against src/paho/mqtt/client.py at v1.6.1)
// whose application calls publish(). Messages wait in memory (_out_messages, _out_packet) until
// the network loop writes them; nothing is on disk, so a crash forgets them all.
// The 'outbox' profile puts an application with a durable outbox and end-to-end
// acknowledgement on top of the same library (models/producer-outbox.ts says how it works).
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
import { outMarkWritten, outOnAck, outOnConnack, outOnPubrec, outReconnectReset } from './client-out-messages.ts';
import { pahoPublish } from './client-publish.ts';
import type { Config } from './config.ts';
import { receivePublish, receivePubrel, receiptReconnectReset, type Receipt } from './consumer-receipt.ts';
import { e2eAckTopic } from './e2e-ack.ts';
import { ghostOf, ghostPayload, type MessageId } from './ghost.ts';
import { stepFromInto, type ConnId, type Effect, type NodeInput, type NodeModel } from './node.ts';
import type { Packet, QoS, Subscription } from './packets.ts';
import type { OutboxApp } from './producer-outbox.ts';
import {
  emptyOutboxApp,
  outboxAcknowledge,
  outboxAdd,
  outboxAfterCrash,
  heldByLibrary,
  outboxEntry,
  outboxFirstWrite,
  resendPayloadOf,
  resendTimerOf,
  withReplies,
} from './producer-outbox.ts';

export interface ProducerState {
  readonly client: ClientConnection;
  /** paho _out_messages: QoS 1/2 messages not yet acknowledged, in publish order. */
  readonly outMessages: readonly OutMessage[];
  /** paho _inflight_messages. */
  readonly inflight: number;
  /** 'outbox' only: the application's outbox and reply receipt (producer-outbox.ts); null for 'paho'. */
  readonly app: OutboxApp | null;
}

/** One fixed shape for every state (spreading with overrides is slow on V8's hot path). */
function producerOf(client: ClientConnection, outMessages: readonly OutMessage[], inflight: number, app: OutboxApp | null): ProducerState {
  return { client, outMessages, inflight, app };
}

function withClientOnly(state: ProducerState, client: ClientConnection): ProducerState {
  return producerOf(client, state.outMessages, state.inflight, state.app);
}

function withApp(state: ProducerState, app: OutboxApp): ProducerState {
  return producerOf(state.client, state.outMessages, state.inflight, app);
}

/** The outbox application's state: present exactly for the 'outbox' profile (init and crash keep it). */
function outboxApp(ctx: ProducerContext, state: ProducerState): OutboxApp {
  assert(state.app !== null, () => `producer ${ctx.name}: outbox profile without its outbox: ${JSON.stringify(state)}`);
  return state.app;
}

const initialProducer: ProducerState = producerOf(initialClient, [], 0, null);
const initialOutboxProducer: ProducerState = producerOf(initialClient, [], 0, emptyOutboxApp);

/** The 'outbox' application's constants, built once. */
interface OutboxContext {
  readonly resendMs: number;
  /** Its on_connect subscribes to the reply topic at the message QoS, on every connect (clean session). */
  readonly subscriptions: readonly Subscription[];
}

interface ProducerContext {
  readonly name: string;
  readonly client: ClientContext;
  /** null for 'paho'. */
  readonly outbox: OutboxContext | null;
}

export function createProducer(config: Config, name = 'producer'): NodeModel<ProducerState> {
  const profile = config.producer.profile;
  assert(profile === 'paho' || profile === 'outbox', () => `unknown producer profile ${JSON.stringify(profile)}`);
  const outbox: OutboxContext | null =
    profile === 'outbox'
      ? {
          resendMs: config.producer.resendMs,
          subscriptions: [{ topic: e2eAckTopic(config.topic), qos: config.qos }],
        }
      : null;
  assert(outbox === null || config.producer.resendMs > 0, () => `producer ${name}: outbox needs resendMs > 0: ${JSON.stringify(config.producer)}`);
  const ctx: ProducerContext = {
    name,
    outbox,
    client: clientContext({
      clientId: config.producer.client_id,
      cleanSession: config.producer.clean_session,
      loopMs: config.producer.loopMs,
      reconnectDelayMs: config.timing.reconnectDelayMs,
    }),
  };
  const stepInto = (state: ProducerState, input: NodeInput, nowMs: number, fx: Effect[]): ProducerState => producerStep(ctx, state, input, nowMs, fx);
  return {
    role: 'producer',
    init: () => (outbox === null ? initialProducer : initialOutboxProducer),
    step: stepFromInto(stepInto),
    stepInto,
    // paho keeps all session state in memory: a kill -9 leaves nothing but an outbox on disk.
    crash: afterCrash,
  };
}

function afterCrash(state: ProducerState): ProducerState {
  return state.app === null ? initialProducer : producerOf(initialClient, [], 0, outboxAfterCrash(state.app));
}

/** A message's resend timer, one period from now. */
function armResend(outbox: OutboxContext, payload: string): Effect {
  return { kind: 'set-timer', timer: resendTimerOf(payload), afterMs: outbox.resendMs };
}

/** Neither paho nor the outbox reads the clock: the outbox's resend timing is its timers'. */
function producerStep(ctx: ProducerContext, state: ProducerState, input: NodeInput, _nowMs: number, fx: Effect[]): ProducerState {
  const c = ctx.client;
  switch (input.kind) {
    case 'start': {
      // The outbox application resumes its resend timer; what the crash took from the library
      // is published again at the first CONNACK (republish).
      if (ctx.outbox !== null && state.app !== null) for (const entry of state.app.outbox) fx.push(armResend(ctx.outbox, entry.payload));
      return withClient(ctx, state, clientStart(c, state.client, fx));
    }
    case 'connected':
      return withClientOnly(state, clientConnected(c, state.client, input.conn, fx));
    case 'disconnected':
      // The producer's network thread never runs long application code: it is never busy.
      return withClientOnly(state, clientDisconnected(c, state.client, input.conn, false, fx));
    case 'timer':
      return onTimer(ctx, state, input.timer, fx);
    case 'packet':
      return onPacket(ctx, state, input.conn, input.packet, fx);
    case 'publish':
      return publish(ctx, state, input.message, input.topic, input.qos, fx);
    case 'go-offline':
    case 'go-online':
      throw new ModelInvariantError(`producer ${ctx.name} got ${input.kind}: only a consumer goes offline`);
    case 'stop':
      // SIGTERM ends a Python process with no handler at once: nothing is flushed or saved
      // (an outbox was saved when each message was published).
      return afterCrash(state);
    default:
      return unreachable(input);
  }
}

/**
 * A new connection attempt resets the messages (reconnect() -> _messages_reconnect_reset_out,
 * and _messages_reconnect_reset_in for the outbox's reply subscription).
 */
function withClient(ctx: ProducerContext, state: ProducerState, client: ClientConnection): ProducerState {
  if (!attemptBegan(state.client, client)) return withClientOnly(state, client);
  const cleanSession = ctx.client.settings.cleanSession;
  const out = outReconnectReset(state.outMessages, cleanSession);
  const app = state.app === null ? null : withReplies(state.app, receiptReconnectReset(state.app.replies, cleanSession));
  return producerOf(client, out.outMessages, out.inflight, app);
}

function onTimer(ctx: ProducerContext, state: ProducerState, timer: string, fx: Effect[]): ProducerState {
  if (timer === reconnectTimer) return withClient(ctx, state, clientReconnectTimer(ctx.client, state.client, fx));
  if (timer === loopTimer) return loopTurn(ctx, state, fx);
  const payload = resendPayloadOf(timer);
  if (payload !== null && ctx.outbox !== null) {
    const entry = outboxEntry(outboxApp(ctx, state), payload);
    // Acknowledging a message cancels its timer, and a crash drops every timer.
    assert(entry !== undefined, () => `producer ${ctx.name}: resend timer of ${payload}, not in the outbox: ${JSON.stringify(state)}`);
    // Its period passed without the reply. A message the library still holds is left to the
    // library and looked at again one period later; one it no longer holds is published again.
    fx.push(armResend(ctx.outbox, payload));
    return heldByLibrary(entry, state.outMessages) ? state : libraryPublish(ctx, state, entry.topic, entry.payload, entry.qos, fx);
  }
  throw new ModelInvariantError(`producer ${ctx.name}: unknown timer ${JSON.stringify(timer)}`);
}

/** The network loop writes _out_packet; the first write of a message is its publish-sent. */
function loopTurn(ctx: ProducerContext, state: ProducerState, fx: Effect[]): ProducerState {
  const client = clientLoopTimer(ctx.client, state.client, false, fx);
  let outMessages = state.outMessages;
  let app = state.app;
  for (const packet of state.client.outPackets) {
    if (packet.cmd !== 'publish') continue;
    let first = true;
    if (packet.messageId !== undefined) {
      const marked = outMarkWritten(outMessages, packet.messageId);
      first = marked !== null;
      if (marked !== null) outMessages = marked;
    }
    if (app !== null) {
      // The outbox publishes a message again as a new library message: "first" is per message, not per library message.
      const reported = outboxFirstWrite(app, packet.payload);
      first = reported !== null;
      if (reported !== null) app = reported;
    }
    // QoS 0 is never stored, so each of its writes is its only one.
    if (first) fx.push({ kind: 'history', event: { kind: 'publish-sent', node: ctx.name, message: ghostOf(packet.payload) } });
  }
  return producerOf(client, outMessages, state.inflight, app);
}

function publish(ctx: ProducerContext, state: ProducerState, message: MessageId, topic: string, qos: QoS, fx: Effect[]): ProducerState {
  assert(state.client.started, () => `producer ${ctx.name}: publish before start: ${JSON.stringify(state)}`);
  fx.push({ kind: 'history', event: { kind: 'publish-invoked', node: ctx.name, message, qos } });
  const payload = ghostPayload(message);
  let committed = state;
  if (ctx.outbox !== null) {
    const app = outboxApp(ctx, state);
    // The outbox commit comes first; the message's resend timer counts from this publish().
    fx.push(armResend(ctx.outbox, payload));
    committed = withApp(state, outboxAdd(app, payload, topic, qos));
  }
  return libraryPublish(ctx, committed, topic, payload, qos, fx);
}

/** paho publish() (client-publish.ts) of one message. */
function libraryPublish(ctx: ProducerContext, state: ProducerState, topic: string, payload: string, qos: QoS, fx: Effect[]): ProducerState {
  const published = pahoPublish(ctx.client, state.client, state, topic, payload, qos, fx);
  return producerOf(published.client, published.outMessages, published.inflight, state.app);
}

/** on_connect: the outbox application publishes again every message the library no longer holds; each one's period starts again. */
function republish(ctx: ProducerContext, outbox: OutboxContext, state: ProducerState, fx: Effect[]): ProducerState {
  let next = state;
  for (const entry of outboxApp(ctx, state).outbox) {
    if (heldByLibrary(entry, state.outMessages)) continue;
    fx.push(armResend(outbox, entry.payload));
    next = libraryPublish(ctx, next, entry.topic, entry.payload, entry.qos, fx);
  }
  return next;
}

/** Stores the new message bookkeeping and queues what it wants written. */
function applyWrite(ctx: ProducerContext, state: ProducerState, before: ClientConnection, out: OutWrite, fx: Effect[]): ProducerState {
  let client = before;
  for (const packet of out.packets) client = clientQueue(ctx.client, client, packet, false, fx);
  return producerOf(client, out.outMessages, out.inflight, state.app);
}

function onPacket(ctx: ProducerContext, state: ProducerState, conn: ConnId, packet: Packet, fx: Effect[]): ProducerState {
  assert(conn === socketConn(state.client), () => `producer ${ctx.name}: ${packet.cmd} on connection ${conn} it does not read: ${JSON.stringify(state)}`);
  switch (packet.cmd) {
    case 'connack': {
      let client = clientConnack(ctx.client, state.client, conn, packet, fx);
      if (client.link.kind !== 'up') return withClientOnly(state, client);
      let next = withClientOnly(state, client);
      if (ctx.outbox !== null) {
        // on_connect, which _handle_connack calls before it writes the stored messages:
        // subscribe to the replies, then publish again what the library does not hold.
        client = withNextMid(client);
        client = clientQueue(ctx.client, client, { cmd: 'subscribe', messageId: client.lastMid, subscriptions: ctx.outbox.subscriptions }, false, fx);
        next = republish(ctx, ctx.outbox, withClientOnly(state, client), fx);
      }
      // _handle_connack writes what reconnect() reset to 'publish' / 'resend-pubrel'.
      return applyWrite(ctx, next, next.client, outOnConnack(next), fx);
    }
    case 'puback':
    case 'pubcomp': {
      const out = outOnAck(state, packet.messageId);
      if (out === null) return state;
      // For the outbox the library's acknowledgement is not the end-to-end one.
      if (ctx.outbox === null) fx.push({ kind: 'history', event: { kind: 'publish-acked', node: ctx.name, message: ghostOf(out.acked.payload) } });
      return applyWrite(ctx, state, state.client, out, fx);
    }
    case 'pubrec': {
      const out = outOnPubrec(state, packet.messageId);
      return out === null ? state : applyWrite(ctx, state, state.client, out, fx);
    }
    case 'publish':
    case 'pubrel': {
      // Replies on the outbox's subscription, received as paho does (consumer-receipt.ts 'paho').
      assert(state.app !== null, () => `producer ${ctx.name} subscribes to nothing, got ${packet.cmd}: ${JSON.stringify(packet)}`);
      const replies = state.app.replies;
      const receipt = packet.cmd === 'publish' ? receivePublish('paho', replies, packet) : receivePubrel('paho', replies, packet.messageId);
      return onReplyReceipt(ctx, state, receipt, fx);
    }
    case 'suback':
      assert(state.app !== null, () => `producer ${ctx.name} subscribes to nothing, got suback: ${JSON.stringify(packet)}`);
      return state;
    case 'connect':
    case 'subscribe':
    case 'disconnect':
      // A 3.1.1 broker never sends these to a client.
      throw new ModelInvariantError(`producer ${ctx.name} got ${packet.cmd}: ${JSON.stringify(packet)}`);
    default:
      return unreachable(packet);
  }
}

/**
 * A reply reaches the outbox application's on_message: the message it names leaves the outbox
 * (publish-acked); a repeated reply names one already gone and changes nothing. The callback is
 * a local write, instantaneous here; the library's acknowledgement follows it, as in paho.
 */
function onReplyReceipt(ctx: ProducerContext, state: ProducerState, receipt: Receipt, fx: Effect[]): ProducerState {
  const outbox = ctx.outbox as OutboxContext;
  let client = state.client;
  if (receipt.ackNow !== null) client = clientQueue(ctx.client, client, receipt.ackNow, false, fx);
  let app = withReplies(outboxApp(ctx, state), receipt.stores);
  const handle = receipt.handle;
  if (handle !== null) {
    const acknowledged = outboxAcknowledge(app, handle.payload);
    if (acknowledged !== null) {
      app = acknowledged;
      fx.push({ kind: 'history', event: { kind: 'publish-acked', node: ctx.name, message: handle.message } });
      fx.push({ kind: 'cancel-timer', timer: resendTimerOf(handle.payload) });
    }
    if (handle.ackAfter !== null) client = clientQueue(ctx.client, client, handle.ackAfter, false, fx);
  }
  return producerOf(client, state.outMessages, state.inflight, app);
}
