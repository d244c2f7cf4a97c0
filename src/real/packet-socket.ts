// A TCP connection that carries the models' packets: mqtt-packet frames them, wire.ts converts
// them. No client logic lives here; the pure models decide what to send and when.
import { connect as netConnect, type Socket } from 'node:net';
import { parser as makeParser, type Packet as WirePacket } from 'mqtt-packet';
import type { Packet, PacketCmd } from '../../models/packets.ts';
import { errorMessage, TimeoutError, withTimeout } from './bounded.ts';
import { trackSocket } from './cleanup.ts';
import { encode, fromWire, protocolOptions } from './wire.ts';

export interface PacketSocketOptions {
  /** Bound on the TCP connect. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Bound on packets waiting in the inbox for next(); beyond it the socket fails. Default 10000. */
  readonly inboxMax?: number;
  /** Names the connection in errors and in the cleanup registry. */
  readonly label?: string;
}

export type CloseReason =
  /** close(): we sent FIN after our writes and the connection ended. */
  | 'closed-locally'
  /** destroy(): dropped abruptly by us. */
  | 'destroyed-locally'
  /** The peer ended or reset the connection. */
  | 'closed-by-peer'
  /** The peer sent bytes that are not an MQTT 3.1.1 packet the models know, or the inbox overflowed. */
  | 'protocol-error';

export interface CloseInfo {
  readonly reason: CloseReason;
  /** What went wrong, for 'closed-by-peer' with a socket error and for 'protocol-error'. */
  readonly error?: string;
}

export class SocketClosedError extends Error {
  override name = 'SocketClosedError';
  constructor(
    message: string,
    readonly info: CloseInfo,
  ) {
    super(message);
  }
}

/** The packet type whose cmd is C; distributes so that AckPacket (cmd: a union) narrows too. */
type Narrow<P, C> = P extends { readonly cmd: infer K } ? (C extends K ? P & { readonly cmd: C } : never) : never;
export type PacketOf<C extends PacketCmd> = Narrow<Packet, C>;

interface Waiter {
  readonly resolve: (packet: Packet) => void;
  readonly reject: (error: Error) => void;
}

const connectTimeoutMsDefault = 5_000;
const inboxMaxDefault = 10_000;
const nextTimeoutMsDefault = 5_000;
const closeTimeoutMsDefault = 2_000;

/**
 * Received packets go to the listeners registered with onPacket; while none is registered
 * they wait in the inbox (bounded) for next()/expect(). Registering a listener first hands
 * it what the inbox holds, so no packet is seen twice or lost between the two styles.
 */
export class PacketSocket {
  readonly label: string;
  /** Resolves once the connection is gone, however it went. */
  readonly closed: Promise<CloseInfo>;

  readonly #socket: Socket;
  readonly #inbox: Packet[] = [];
  readonly #inboxMax: number;
  readonly #waiters: Waiter[] = [];
  readonly #packetListeners = new Set<(packet: Packet) => void>();
  readonly #closeListeners = new Set<(info: CloseInfo) => void>();
  #closeInfo: CloseInfo | undefined;
  #closing: CloseReason | undefined;
  #protocolError: string | undefined;
  #resolveClosed: (info: CloseInfo) => void = () => {};

  private constructor(socket: Socket, label: string, inboxMax: number) {
    this.#socket = socket;
    this.label = label;
    this.#inboxMax = inboxMax;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const parser = makeParser(protocolOptions);
    parser.on('packet', (wire: WirePacket) => this.#receive(wire));
    parser.on('error', (error: unknown) => this.#fail(`unparseable bytes from ${label}: ${errorMessage(error)}`));
    socket.on('data', (chunk: Buffer) => {
      if (this.#closeInfo === undefined && this.#closing !== 'protocol-error') parser.parse(chunk);
    });
    let socketError: string | undefined;
    socket.on('error', (error) => {
      socketError = error.message;
    });
    socket.on('close', () => {
      const reason = this.#closing ?? 'closed-by-peer';
      const error = reason === 'protocol-error' ? this.#protocolError : socketError;
      this.#finish(error === undefined ? { reason } : { reason, error });
    });
  }

  /** Opens a TCP connection to host:port; resolves once it is established. */
  static connect(host: string, port: number, options: PacketSocketOptions = {}): Promise<PacketSocket> {
    const label = options.label ?? `${host}:${port}`;
    const timeoutMs = options.connectTimeoutMs ?? connectTimeoutMsDefault;
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    trackSocket(socket, `packet socket ${label}`);
    const established = new Promise<PacketSocket>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(new Error(`packet socket ${label}: connect to ${host}:${port} failed: ${error.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new PacketSocket(socket, label, options.inboxMax ?? inboxMaxDefault));
      });
    });
    return withTimeout(established, timeoutMs, `packet socket ${label}: connect to ${host}:${port}`).catch((error: unknown) => {
      socket.destroy();
      throw error;
    });
  }

  get isOpen(): boolean {
    return this.#closeInfo === undefined && this.#closing === undefined;
  }

  /** Our end's port, which names this connection in a broker's log. */
  get localPort(): number | undefined {
    return this.#socket.localPort;
  }

  /** Queues the packet's bytes on the socket, in order. Throws if the socket is closing or closed. */
  send(packet: Packet): void {
    if (!this.isOpen) {
      const info = this.#closeInfo ?? { reason: this.#closing ?? 'closed-by-peer' };
      throw new SocketClosedError(`packet socket ${this.label}: send(${packet.cmd}) on a closed connection (${info.reason})`, info);
    }
    this.#socket.write(encode(packet));
  }

  /**
   * Holds what send() writes until uncork(), so that packets sent together leave in one write
   * (one TCP segment when they fit), as a client's network loop writes its queue in one turn.
   */
  cork(): void {
    if (this.isOpen) this.#socket.cork();
  }

  uncork(): void {
    this.#socket.uncork();
  }

  /** Resolves once everything sent so far has been handed to the OS. */
  flushed(timeoutMs: number = nextTimeoutMsDefault): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      if (!this.isOpen) {
        reject(new Error(`packet socket ${this.label}: flushed() on a closed connection`));
        return;
      }
      this.#socket.write(Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
    });
    return withTimeout(done, timeoutMs, `packet socket ${this.label}: flush`);
  }

  onPacket(listener: (packet: Packet) => void): () => void {
    this.#packetListeners.add(listener);
    for (const packet of this.#inbox.splice(0)) listener(packet);
    return () => {
      this.#packetListeners.delete(listener);
    };
  }

  /** Called once, when the connection is gone; at once if it already is. */
  onClose(listener: (info: CloseInfo) => void): () => void {
    if (this.#closeInfo !== undefined) {
      listener(this.#closeInfo);
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  /** The next received packet (from the inbox), bounded by timeoutMs; rejects if the connection closes first. */
  next(timeoutMs: number = nextTimeoutMsDefault): Promise<Packet> {
    if (this.#packetListeners.size > 0) {
      return Promise.reject(new Error(`packet socket ${this.label}: next() while onPacket listeners take every packet`));
    }
    const queued = this.#inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closeInfo !== undefined) return Promise.reject(this.#closedError('next()', this.#closeInfo));
    let waiter: Waiter | undefined;
    const arrival = new Promise<Packet>((resolve, reject) => {
      waiter = { resolve, reject };
      this.#waiters.push(waiter);
    });
    return withTimeout(arrival, timeoutMs, `packet socket ${this.label}: waiting for a packet`).catch((error: unknown) => {
      const index = waiter === undefined ? -1 : this.#waiters.indexOf(waiter);
      if (index >= 0) this.#waiters.splice(index, 1);
      throw error;
    });
  }

  /** The next received packet, which must be a `cmd`; anything else is an error naming what came. */
  async expect<C extends PacketCmd>(cmd: C, timeoutMs: number = nextTimeoutMsDefault): Promise<PacketOf<C>> {
    const packet = await this.next(timeoutMs);
    if (packet.cmd !== cmd) {
      throw new Error(`packet socket ${this.label}: expected ${cmd}, received ${JSON.stringify(packet)}`);
    }
    return packet as PacketOf<C>;
  }

  /** No next packet within quietMs (a negative check: a broker sent nothing more). */
  async expectNothing(quietMs: number): Promise<void> {
    try {
      const packet = await this.next(quietMs);
      throw new Error(`packet socket ${this.label}: expected silence for ${quietMs} ms, received ${JSON.stringify(packet)}`);
    } catch (error) {
      if (error instanceof TimeoutError) return;
      throw error;
    }
  }

  /** Graceful: sends FIN after pending writes and waits for the connection to end (bounded; then destroys). */
  async close(timeoutMs: number = closeTimeoutMsDefault): Promise<CloseInfo> {
    if (this.#closeInfo !== undefined) return this.#closeInfo;
    this.#closing ??= 'closed-locally';
    this.#socket.end();
    try {
      return await withTimeout(this.closed, timeoutMs, `packet socket ${this.label}: close`);
    } catch {
      this.#socket.destroy();
      return this.closed;
    }
  }

  /** Abrupt: drops the connection now, unsent bytes included. */
  destroy(): void {
    if (this.#closeInfo !== undefined) return;
    this.#closing ??= 'destroyed-locally';
    this.#socket.destroy();
  }

  #receive(wire: WirePacket): void {
    const packet = fromWire(wire);
    if (!packet.ok) {
      this.#fail(`${this.label} sent a packet the models cannot express: ${packet.error}`);
      return;
    }
    const waiter = this.#packetListeners.size > 0 ? undefined : this.#waiters.shift();
    if (this.#packetListeners.size > 0) {
      for (const listener of [...this.#packetListeners]) listener(packet.value);
    } else if (waiter !== undefined) {
      waiter.resolve(packet.value);
    } else if (this.#inbox.length >= this.#inboxMax) {
      this.#fail(`inbox overflow: ${this.#inboxMax} packets received and not consumed`);
    } else {
      this.#inbox.push(packet.value);
    }
  }

  #fail(message: string): void {
    if (this.#closing !== undefined) return;
    this.#closing = 'protocol-error';
    this.#protocolError = message;
    this.#socket.destroy();
  }

  #finish(info: CloseInfo): void {
    if (this.#closeInfo !== undefined) return;
    this.#closeInfo = info;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedError('waiting for a packet', info));
    for (const listener of [...this.#closeListeners]) listener(info);
    this.#closeListeners.clear();
    this.#resolveClosed(info);
  }

  #closedError(what: string, info: CloseInfo): SocketClosedError {
    const detail = info.error === undefined ? '' : `: ${info.error}`;
    return new SocketClosedError(`packet socket ${this.label}: ${what}: connection closed (${info.reason}${detail})`, info);
  }
}
