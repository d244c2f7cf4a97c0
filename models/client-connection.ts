// The connection life of a paho-mqtt 1.x client (verified against src/paho/mqtt/client.py at
// v1.6.1), shared by the producer and the consumer models: reconnect() opens a socket and
// writes CONNECT; every other packet is appended to _out_packet and written by the network
// loop on its next turn; a lost connection is retried after a delay (loop_forever ->
// _reconnect_wait -> reconnect). Pure functions: each takes a state and the step's effects
// array, appends what the client does and returns the new state (never mutating the old one).
import { assert, ModelInvariantError, unreachable } from './assert.ts';
import type { ConnId, Effect } from './node.ts';
import type { ConnackPacket, ConnectPacket, DisconnectPacket, Packet } from './packets.ts';
import { nextPacketId } from './packets.ts';

export const reconnectTimer = 'reconnect';
export const loopTimer = 'loop';

export type Link =
  /** No connection and none under way: not started, or the application is offline. */
  | { readonly kind: 'down' }
  /** Waiting reconnectDelayMs before the next attempt (loop_forever's _reconnect_wait). */
  | { readonly kind: 'waiting' }
  /**
   * The connection was lost while the network thread was inside an application callback: it
   * notices only when the callback returns, and starts its reconnect wait then.
   */
  | { readonly kind: 'lost' }
  /** reconnect() asked for a socket ('open'); 'connected' or a refusal follows. */
  | { readonly kind: 'opening' }
  /** The socket is up and CONNECT written; no CONNACK yet (paho state mqtt_cs_new). */
  | { readonly kind: 'connecting'; readonly conn: ConnId }
  /** CONNACK accepted (paho state mqtt_cs_connected). */
  | { readonly kind: 'up'; readonly conn: ConnId; readonly sessionPresent: boolean };

export interface ClientConnection {
  /** The process has had its 'start'. */
  readonly started: boolean;
  /** The application called disconnect() and has not called connect() again. */
  readonly offline: boolean;
  readonly link: Link;
  /** Highest connection id this process was told about: a later notice for an older one is stale. */
  readonly connSeen: ConnId;
  /** paho _out_packet: packets waiting for the network loop to write them; empty without a socket. */
  readonly outPackets: readonly Packet[];
  /** A 'loop' timer is pending; implies outPackets is not empty. */
  readonly loopArmed: boolean;
  /** paho _last_mid (_mid_generate): one counter for PUBLISH and SUBSCRIBE packet ids. */
  readonly lastMid: number;
}

export interface ClientSettings {
  readonly clientId: string;
  readonly cleanSession: boolean;
  /** Delay before the network loop writes what was queued. */
  readonly loopMs: number;
  readonly reconnectDelayMs: number;
}

/** The settings plus the constant effects and packets built from them once, not per step. */
export interface ClientContext {
  readonly settings: ClientSettings;
  readonly connect: ConnectPacket;
  readonly open: Effect;
  readonly armReconnect: Effect;
  readonly cancelReconnect: Effect;
  readonly armLoop: Effect;
  readonly cancelLoop: Effect;
}

const down: Link = { kind: 'down' };
const waiting: Link = { kind: 'waiting' };
const lost: Link = { kind: 'lost' };
const opening: Link = { kind: 'opening' };
const noPackets: readonly Packet[] = [];
const disconnectPacket: DisconnectPacket = { cmd: 'disconnect' };

/** Every state is built here with one fixed shape: spreading with overrides is slow on V8's hot path. */
function make(
  started: boolean,
  offline: boolean,
  link: Link,
  connSeen: ConnId,
  outPackets: readonly Packet[],
  loopArmed: boolean,
  lastMid: number,
): ClientConnection {
  return { started, offline, link, connSeen, outPackets, loopArmed, lastMid };
}

function withLink(c: ClientConnection, link: Link): ClientConnection {
  return make(c.started, c.offline, link, c.connSeen, c.outPackets, c.loopArmed, c.lastMid);
}

function withOut(c: ClientConnection, outPackets: readonly Packet[], loopArmed: boolean): ClientConnection {
  return make(c.started, c.offline, c.link, c.connSeen, outPackets, loopArmed, c.lastMid);
}

function withLinkOut(c: ClientConnection, link: Link, outPackets: readonly Packet[], loopArmed: boolean): ClientConnection {
  return make(c.started, c.offline, link, c.connSeen, outPackets, loopArmed, c.lastMid);
}

export const initialClient: ClientConnection = make(false, false, down, 0, noPackets, false, 0);

export function clientContext(settings: ClientSettings): ClientContext {
  return {
    settings,
    // paho _send_connect with connect()'s default keepalive=60.
    connect: {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: settings.clientId,
      clean: settings.cleanSession,
      keepalive: 60,
    },
    open: { kind: 'open' },
    armReconnect: { kind: 'set-timer', timer: reconnectTimer, afterMs: settings.reconnectDelayMs },
    cancelReconnect: { kind: 'cancel-timer', timer: reconnectTimer },
    armLoop: { kind: 'set-timer', timer: loopTimer, afterMs: settings.loopMs },
    cancelLoop: { kind: 'cancel-timer', timer: loopTimer },
  };
}

/** The connection a socket is open on (paho: _sock is not None), or null. */
export function socketConn(client: ClientConnection): ConnId | null {
  const link = client.link;
  return link.kind === 'connecting' || link.kind === 'up' ? link.conn : null;
}

/**
 * True when this step began a new connection attempt: the caller then applies paho's
 * _messages_reconnect_reset to its message stores, which reconnect() does before it opens the socket.
 */
export function attemptBegan(before: ClientConnection, after: ClientConnection): boolean {
  return after.link === opening && before.link !== opening;
}

/** paho _mid_generate: the next packet id is the new state's lastMid. */
export function withNextMid(client: ClientConnection): ClientConnection {
  const c = client;
  return make(c.started, c.offline, c.link, c.connSeen, c.outPackets, c.loopArmed, nextPacketId(c.lastMid));
}

/** paho reconnect(): a fresh _out_packet, then a new socket. */
function reconnect(ctx: ClientContext, client: ClientConnection, fx: Effect[]): ClientConnection {
  assert(socketConn(client) === null && !client.loopArmed, () => `reconnect with a socket still open: ${JSON.stringify(client)}`);
  fx.push(ctx.open);
  return withLinkOut(client, opening, noPackets, false);
}

/** The socket is gone: _loop_rc_handle closes it; what was queued is never written (reconnect() drops it). */
function lose(ctx: ClientContext, client: ClientConnection, busy: boolean, fx: Effect[]): ClientConnection {
  if (client.loopArmed) fx.push(ctx.cancelLoop);
  // loop_forever stops retrying once disconnect() was called (mqtt_cs_disconnecting).
  if (client.offline) return withLinkOut(client, down, noPackets, false);
  if (busy) return withLinkOut(client, lost, noPackets, false);
  fx.push(ctx.armReconnect);
  return withLinkOut(client, waiting, noPackets, false);
}

export function clientStart(ctx: ClientContext, client: ClientConnection, fx: Effect[]): ClientConnection {
  assert(!client.started && client.link.kind === 'down', () => `'start' for a running client: ${JSON.stringify(client)}`);
  const c = client;
  const started = make(true, c.offline, c.link, c.connSeen, c.outPackets, c.loopArmed, c.lastMid);
  return client.offline ? started : reconnect(ctx, started, fx);
}

export function clientConnected(ctx: ClientContext, client: ClientConnection, conn: ConnId, fx: Effect[]): ClientConnection {
  assert(client.link.kind === 'opening' && conn > client.connSeen, () => `'connected' ${conn} without an attempt: ${JSON.stringify(client)}`);
  if (client.offline) {
    // disconnect() was called while the socket was being opened: nothing to say on it.
    fx.push({ kind: 'close', conn });
    return make(client.started, client.offline, down, conn, client.outPackets, client.loopArmed, client.lastMid);
  }
  // reconnect() writes CONNECT as soon as the socket is up (_send_connect).
  fx.push({ kind: 'send', conn, packet: ctx.connect });
  const c = client;
  return make(c.started, c.offline, { kind: 'connecting', conn }, conn, c.outPackets, c.loopArmed, c.lastMid);
}

/** busy: the network thread is inside an application callback and cannot react yet. */
export function clientDisconnected(
  ctx: ClientContext,
  client: ClientConnection,
  conn: ConnId,
  busy: boolean,
  fx: Effect[],
): ClientConnection {
  if (conn === socketConn(client)) return lose(ctx, client, busy, fx);
  if (client.link.kind === 'opening' && conn > client.connSeen) {
    // The attempt was refused (broker down): loop_forever catches the OSError and retries.
    const c = client;
    return lose(ctx, make(c.started, c.offline, c.link, conn, c.outPackets, c.loopArmed, c.lastMid), busy, fx);
  }
  // A second notice for a connection this client already gave up (e.g. closed by the peer, then severed).
  assert(conn <= client.connSeen, () => `'disconnected' ${conn} for an unknown connection: ${JSON.stringify(client)}`);
  return client;
}

export function clientReconnectTimer(ctx: ClientContext, client: ClientConnection, fx: Effect[]): ClientConnection {
  assert(client.link.kind === 'waiting', () => `reconnect timer while not waiting: ${JSON.stringify(client)}`);
  return reconnect(ctx, client, fx);
}

/** paho _packet_queue: append to _out_packet; the network loop writes it on its next turn. */
export function clientQueue(
  ctx: ClientContext,
  client: ClientConnection,
  packet: Packet,
  busy: boolean,
  fx: Effect[],
): ClientConnection {
  assert(socketConn(client) !== null, () => `queueing ${packet.cmd} without a socket: ${JSON.stringify(client)}`);
  const outPackets = client.outPackets.slice();
  outPackets.push(packet);
  // A busy network thread writes nothing; clientLoopFree arms the loop when it returns.
  if (client.loopArmed || busy) return withOut(client, outPackets, client.loopArmed);
  fx.push(ctx.armLoop);
  return withOut(client, outPackets, true);
}

/** The network loop's turn: _packet_write writes _out_packet in order. */
export function clientLoopTimer(ctx: ClientContext, client: ClientConnection, busy: boolean, fx: Effect[]): ClientConnection {
  assert(client.loopArmed && client.outPackets.length > 0, () => `loop timer with nothing to write: ${JSON.stringify(client)}`);
  if (busy) return withOut(client, client.outPackets, false);
  const conn = socketConn(client);
  assert(conn !== null, () => `packets queued without a socket: ${JSON.stringify(client)}`);
  for (const packet of client.outPackets) {
    fx.push({ kind: 'send', conn, packet });
    if (packet.cmd === 'disconnect') {
      // _packet_write closes the socket once DISCONNECT is written; anything queued after it is never sent.
      assert(client.offline, () => `DISCONNECT written by an online client: ${JSON.stringify(client)}`);
      fx.push({ kind: 'close', conn });
      return withLinkOut(client, down, noPackets, false);
    }
  }
  return withOut(client, noPackets, false);
}

/** The network thread returns from an application callback and catches up. */
export function clientLoopFree(ctx: ClientContext, client: ClientConnection, fx: Effect[]): ClientConnection {
  let next = client;
  if (next.link.kind === 'lost') {
    fx.push(ctx.armReconnect);
    next = withLink(next, waiting);
  }
  if (next.outPackets.length > 0 && !next.loopArmed) {
    fx.push(ctx.armLoop);
    next = withOut(next, next.outPackets, true);
  }
  return next;
}

/** paho _handle_connack; the caller then does what follows a successful connect. */
export function clientConnack(
  ctx: ClientContext,
  client: ClientConnection,
  conn: ConnId,
  packet: ConnackPacket,
  fx: Effect[],
): ClientConnection {
  const link = client.link;
  assert(link.kind === 'connecting' && link.conn === conn, () => `CONNACK outside a connect: ${JSON.stringify(client)}`);
  if (packet.returnCode !== 0) {
    // MQTT_ERR_CONN_REFUSED: _loop_rc_handle closes the socket and loop_forever retries.
    fx.push({ kind: 'close', conn });
    return lose(ctx, client, false, fx);
  }
  return withLink(client, { kind: 'up', conn, sessionPresent: packet.sessionPresent });
}

/** The application calls disconnect(): DISCONNECT is queued like any packet (_send_disconnect). */
export function clientGoOffline(ctx: ClientContext, client: ClientConnection, busy: boolean, fx: Effect[]): ClientConnection {
  if (client.offline) return client;
  const c = client;
  const offline = make(c.started, true, c.link, c.connSeen, c.outPackets, c.loopArmed, c.lastMid);
  switch (client.link.kind) {
    case 'down':
    case 'opening':
      return offline;
    case 'waiting':
      fx.push(ctx.cancelReconnect);
      return withLink(offline, down);
    case 'lost':
      return withLink(offline, down);
    case 'connecting':
    case 'up':
      return clientQueue(ctx, offline, disconnectPacket, busy, fx);
    default:
      return unreachable(client.link);
  }
}

/** The application calls connect() again: reconnect() closes any socket left and opens a new one. */
export function clientGoOnline(ctx: ClientContext, client: ClientConnection, fx: Effect[]): ClientConnection {
  if (!client.offline) return client;
  const c = client;
  const online = make(c.started, false, c.link, c.connSeen, c.outPackets, c.loopArmed, c.lastMid);
  if (!online.started) return online;
  const link = online.link;
  switch (link.kind) {
    case 'down':
      return reconnect(ctx, online, fx);
    case 'opening':
      return online;
    case 'connecting':
    case 'up':
      // Its DISCONNECT is still queued, never written.
      if (online.loopArmed) fx.push(ctx.cancelLoop);
      fx.push({ kind: 'close', conn: link.conn });
      return reconnect(ctx, withLinkOut(online, down, noPackets, false), fx);
    case 'waiting':
    case 'lost':
      // clientGoOffline moved these to 'down'.
      throw new ModelInvariantError(`an offline client cannot be ${link.kind}: ${JSON.stringify(client)}`);
    default:
      return unreachable(link);
  }
}
