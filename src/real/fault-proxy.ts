// A TCP proxy on 127.0.0.1 in front of a broker, one per client link, whose verbs are the
// network's faults: sever (the connection drops, both ends see it), blackhole (a partition:
// nothing passes, nothing is closed), heal. Each accepted connection dials the broker anew,
// so the proxy follows a broker that restarts on the same port.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { withTimeout } from './bounded.ts';
import { socketGone, trackResource, trackSocket, type Untrack } from './cleanup.ts';
import { loopback } from './ports.ts';

export interface FaultProxyOptions {
  /** The broker's port. */
  readonly upstreamPort: number;
  /** The broker's host. Default 127.0.0.1; another host only for an external broker (check-broker --url). */
  readonly upstreamHost?: string;
  /** Names the link in events, errors and the cleanup registry. */
  readonly label?: string;
  /** Bound on dialling the broker for an accepted connection. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Default bound on a blackhole (see blackhole()). Default 10000. */
  readonly holdMsMax?: number;
  /** Events kept; older ones are dropped. Default 10000. */
  readonly eventsMax?: number;
}

export type ProxyEventKind =
  | 'accepted'
  | 'upstream-connected'
  | 'upstream-failed'
  | 'closed-by-client'
  | 'closed-by-broker'
  | 'severed'
  | 'blackholed'
  | 'healed'
  /** A blackhole reached its bound and was healed by the proxy itself: the caller never healed it. */
  | 'hold-expired'
  | 'closed';

export interface ProxyEvent {
  readonly kind: ProxyEventKind;
  readonly atMs: number;
  /** The connection (numbered from 1 in accept order), when the event concerns one. */
  readonly connection?: number;
  readonly detail?: string;
}

export type ProxyState = 'forwarding' | 'blackholed' | 'closed';

interface Pair {
  readonly id: number;
  readonly down: Socket;
  up: Socket | undefined;
}

const connectTimeoutMsDefault = 2_000;
const holdMsMaxDefault = 10_000;
const eventsMaxDefault = 10_000;

export class FaultProxy {
  readonly host = loopback;
  readonly port: number;
  readonly upstreamPort: number;
  readonly upstreamHost: string;
  readonly label: string;

  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  /** Every socket of the proxy not yet closed, on either side, paired or half-closed. */
  readonly #sockets = new Set<Socket>();
  readonly #connectTimeoutMs: number;
  readonly #holdMsMax: number;
  readonly #eventsMax: number;
  readonly #events: ProxyEvent[] = [];
  #nextPair = 1;
  #state: ProxyState = 'forwarding';
  #holdTimer: NodeJS.Timeout | undefined;
  #holdExpiries = 0;
  readonly #untrack: Untrack;

  private constructor(server: Server, port: number, options: FaultProxyOptions) {
    this.#server = server;
    this.port = port;
    this.upstreamPort = options.upstreamPort;
    this.upstreamHost = options.upstreamHost ?? loopback;
    this.label = options.label ?? `proxy :${port} -> :${options.upstreamPort}`;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? connectTimeoutMsDefault;
    this.#holdMsMax = options.holdMsMax ?? holdMsMaxDefault;
    this.#eventsMax = options.eventsMax ?? eventsMaxDefault;
    server.on('connection', (socket) => this.#accept(socket));
    // The proxy, not just its server: close() also clears a blackhole's timer.
    this.#untrack = trackResource(this.label, () => this.close(), () => {
      clearTimeout(this.#holdTimer);
      server.close();
    });
  }

  /** Listens on a free ephemeral port of 127.0.0.1, forwarding to upstreamHost:upstreamPort. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer();
    const port = await withTimeout(
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: loopback, port: 0 }, () => {
          server.off('error', reject);
          const address = server.address();
          if (address === null || typeof address === 'string') reject(new Error(`fault proxy: unexpected address ${String(address)}`));
          else resolve(address.port);
        });
      }),
      5_000,
      `fault proxy for :${options.upstreamPort}: listen`,
    );
    return new FaultProxy(server, port, options);
  }

  get state(): ProxyState {
    return this.#state;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** How many blackholes ended at their bound rather than by heal(). */
  get holdExpiries(): number {
    return this.#holdExpiries;
  }

  events(): readonly ProxyEvent[] {
    return [...this.#events];
  }

  /**
   * Drops every open connection with a reset on both sides: the client and the broker each
   * see their connection fail, and bytes still in flight in the proxy are lost. The proxy
   * keeps listening, so a reconnect goes through (to the broker as it is then).
   */
  sever(): void {
    this.#assertOpen('sever');
    for (const pair of [...this.#pairs]) {
      this.#record('severed', pair.id);
      this.#drop(pair);
    }
  }

  /**
   * A partition: from now on no byte passes in either direction and no connection is closed
   * (no FIN, no RST reaches either end); bytes wait in the kernel's buffers, so TCP flow
   * control holds the senders as a real partition's retransmissions would. New connections
   * are accepted but not dialled through. Ends with heal(), or after holdMsMax, when the proxy
   * heals by itself and records 'hold-expired' (a bound hit, to be reported by the caller).
   */
  blackhole(holdMsMax: number = this.#holdMsMax): void {
    this.#assertOpen('blackhole');
    if (this.#state === 'blackholed') return;
    this.#state = 'blackholed';
    this.#record('blackholed', undefined, `bound ${holdMsMax} ms`);
    for (const pair of this.#pairs) {
      pair.down.pause();
      pair.up?.pause();
    }
    this.#holdTimer = setTimeout(() => {
      this.#holdExpiries++;
      this.#record('hold-expired', undefined, `blackhole not healed within ${holdMsMax} ms`);
      this.heal();
    }, holdMsMax);
  }

  /** Ends a blackhole: held bytes flow, in order; closes that happened meanwhile now propagate. */
  heal(): void {
    this.#assertOpen('heal');
    if (this.#state !== 'blackholed') return;
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    this.#state = 'forwarding';
    this.#record('healed');
    for (const pair of this.#pairs) {
      if (pair.up === undefined) this.#dial(pair);
      pair.down.resume();
      pair.up?.resume();
    }
  }

  /** Stops listening and drops every connection; resolves once its sockets are closed too. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#untrack();
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    this.#state = 'closed';
    this.#record('closed');
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const pair of [...this.#pairs]) this.#drop(pair);
    // A socket whose partner closed may still wait for its own end (a FIN in flight): gone too.
    const sockets = [...this.#sockets];
    for (const socket of sockets) socket.destroy();
    await withTimeout(Promise.all([closed, ...sockets.map(socketGone)]), 5_000, `${this.label}: close`);
  }

  #accept(down: Socket): void {
    if (this.#state === 'closed') {
      down.destroy();
      return;
    }
    const pair: Pair = { id: this.#nextPair++, down, up: undefined };
    this.#pairs.add(pair);
    this.#own(down, `${this.label} client side #${pair.id}`);
    down.setNoDelay(true);
    this.#record('accepted', pair.id, `from port ${down.remotePort}`);
    down.on('error', () => {});
    down.once('close', (hadError) => {
      if (this.#pairs.delete(pair)) this.#record('closed-by-client', pair.id, hadError ? 'with error' : undefined);
      if (pair.up !== undefined && !pair.up.destroyed) {
        if (hadError) pair.up.destroy();
        else pair.up.end();
      }
    });
    if (this.#state === 'blackholed') {
      // A partition: the SYN was answered by our kernel, but nothing goes further until heal().
      down.pause();
      return;
    }
    this.#dial(pair);
  }

  #dial(pair: Pair): void {
    const up = connect({ host: this.upstreamHost, port: this.upstreamPort });
    pair.up = up;
    this.#own(up, `${this.label} broker side #${pair.id}`);
    up.setNoDelay(true);
    const timer = setTimeout(() => {
      this.#record('upstream-failed', pair.id, `no connection to :${this.upstreamPort} within ${this.#connectTimeoutMs} ms`);
      this.#drop(pair);
    }, this.#connectTimeoutMs);
    up.once('connect', () => {
      clearTimeout(timer);
      this.#record('upstream-connected', pair.id);
    });
    let upError: string | undefined;
    up.on('error', (error) => {
      upError = error.message;
    });
    up.once('close', (hadError) => {
      clearTimeout(timer);
      if (this.#pairs.has(pair)) {
        this.#record(up.connecting || upError?.includes('ECONNREFUSED') ? 'upstream-failed' : 'closed-by-broker', pair.id, upError);
      }
      this.#pairs.delete(pair);
      if (!pair.down.destroyed) {
        // The broker is gone (refused: it is down, as a client dialling it directly would see).
        if (hadError) pair.down.destroy();
        else pair.down.end();
      }
    });
    this.#forward(pair.down, up);
    this.#forward(up, pair.down);
  }

  /** Copies src to dst with backpressure; a blackhole pauses src and nothing here resumes it. */
  #forward(src: Socket, dst: Socket): void {
    src.on('data', (chunk: Buffer) => {
      if (!dst.write(chunk)) {
        src.pause();
        dst.once('drain', () => {
          if (this.#state === 'forwarding') src.resume();
        });
      }
    });
    src.once('end', () => {
      if (!dst.destroyed) dst.end();
    });
  }

  #own(socket: Socket, description: string): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    trackSocket(socket, description);
  }

  #drop(pair: Pair): void {
    this.#pairs.delete(pair);
    for (const socket of [pair.down, pair.up]) {
      if (socket === undefined || socket.destroyed) continue;
      // An RST rather than a FIN: a cut link delivers nothing more, not even what is queued.
      if (socket.connecting || socket.readyState === 'closed') socket.destroy();
      else socket.resetAndDestroy();
    }
  }

  #assertOpen(operation: string): void {
    if (this.#state === 'closed') throw new Error(`${this.label}: ${operation}() after close()`);
  }

  #record(kind: ProxyEventKind, connection?: number, detail?: string): void {
    const event: ProxyEvent = {
      kind,
      atMs: Date.now(),
      ...(connection === undefined ? {} : { connection }),
      ...(detail === undefined ? {} : { detail }),
    };
    this.#events.push(event);
    if (this.#events.length > this.#eventsMax + 1024) this.#events.splice(0, this.#events.length - this.#eventsMax);
  }
}
