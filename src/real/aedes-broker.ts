// An embedded aedes broker on 127.0.0.1, with the faults a broker process suffers: crash
// (abrupt; nothing more runs in it), graceful stop, restart on the same port.
//
// What survives a crash is a choice, `durability`:
// - 'none': a fresh in-memory persistence on every start. This is aedes with its default
//   persistence (aedes-persistence's memory store) as a real process: a crash or a restart
//   loses every session, subscription and queued message.
// - 'every-change': the same persistence store across restarts. This is aedes with a durable
//   backend that commits each change before aedes acknowledges it (aedes awaits every
//   persistence call before sending PUBACK/PUBREC/SUBACK), the analogue of a Mosquitto that
//   saved on every change. A crash must not let the dead instance keep writing (its socket
//   close handlers would unsubscribe clean sessions, delete wills...), so each instance sees
//   the store through a fence that is cut at the crash: afterwards its calls never complete,
//   exactly as a killed process's writes never happen.
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Aedes } from 'aedes';
import type { BrokerConfig } from '../../models/config.ts';
import { errorMessage, withTimeout } from './bounded.ts';
import { socketGone, trackResource, trackServer, trackSocket, type Untrack } from './cleanup.ts';
import { freePort, loopback } from './ports.ts';

export type AedesDurability = 'none' | 'every-change';

export interface AedesBrokerOptions {
  readonly durability: AedesDurability;
  /** Bound on listen/close. Default 5000. */
  readonly timeoutMs?: number;
}

/**
 * The closest aedes gets to a Mosquitto configuration: persistence on means the store
 * survives (aedes has no autosave interval; it is as if every change were saved), off means
 * nothing does. aedes has no max_inflight_messages, max_queued_messages (it has a fixed
 * queueLimit for connecting clients) or queue_qos0_messages; those settings do not map.
 */
export function aedesDurabilityFor(broker: BrokerConfig): AedesDurability {
  return broker.persistence ? 'every-change' : 'none';
}

/** The persistence object aedes is given: an opaque store whose methods aedes calls. */
export type Store = object;

const timeoutMsDefault = 5_000;
const portAttemptsMax = 3;

// aedes creates its default store from aedes-persistence, a dependency of aedes (not of this
// project): resolve it from aedes's own location so we get the copy aedes itself would use.
const requireFromAedes = createRequire(createRequire(import.meta.url).resolve('aedes'));
const memoryStoreFactory = requireFromAedes('aedes-persistence') as () => Store;

/** Methods of an aedes persistence that return a stream rather than a promise. */
const streamMethods = new Set(['createRetainedStream', 'createRetainedStreamCombi', 'outgoingStream', 'streamWill', 'getClientList']);

export interface Fence {
  readonly store: Store;
  cut(): void;
}

/** A view of `store` that forwards calls until cut, then lets none complete (see the header). */
export function fenceStore(store: Store): Fence {
  let open = true;
  const view = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property === 'string' && streamMethods.has(property)) {
        return (...args: unknown[]): unknown => (open ? method.apply(target, args) : new Readable({ objectMode: true, read() {} }));
      }
      // aedes insists that setup is an AsyncFunction (aedes.js listen()); every wrapper is one.
      return async (...args: unknown[]): Promise<unknown> => {
        if (!open) return new Promise<never>(() => {});
        return await method.apply(target, args);
      };
    },
  });
  return {
    store: view,
    cut: () => {
      open = false;
    },
  };
}

interface Instance {
  readonly aedes: Aedes;
  readonly server: Server;
  readonly sockets: Set<Socket>;
  readonly fence: Fence;
}

export class AedesBroker {
  readonly host = loopback;
  readonly port: number;
  readonly durability: AedesDurability;
  readonly #timeoutMs: number;
  #store: Store;
  #instance: Instance | undefined;
  #errors: string[] = [];
  #closed = false;
  readonly #untrack: Untrack;

  private constructor(port: number, options: AedesBrokerOptions) {
    this.port = port;
    this.durability = options.durability;
    this.#timeoutMs = options.timeoutMs ?? timeoutMsDefault;
    this.#store = memoryStoreFactory();
    this.#untrack = trackResource(`aedes broker on ${loopback}:${port}`, () => this.close(), () => this.#crashSync());
  }

  /** Starts a broker on a free ephemeral port of 127.0.0.1. */
  static async start(options: AedesBrokerOptions): Promise<AedesBroker> {
    // freePort's port may be taken before we bind it: retried with a new one, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      const broker = new AedesBroker(await freePort(), options);
      try {
        await broker.#listen();
        return broker;
      } catch (error) {
        await broker.close();
        if (attempt >= portAttemptsMax || !/EADDRINUSE/.test(errorMessage(error))) throw error;
      }
    }
  }

  get running(): boolean {
    return this.#instance !== undefined;
  }

  /** Errors the broker emitted (a healthy run has none). */
  errors(): readonly string[] {
    return [...this.#errors];
  }

  /** Abrupt: no handler of this instance runs to completion, every client sees its connection drop. */
  async crash(): Promise<void> {
    const instance = this.#take('crash');
    instance.fence.cut();
    const closed = new Promise<void>((resolve) => instance.server.close(() => resolve()));
    const sockets = [...instance.sockets];
    for (const socket of sockets) socket.destroy();
    // Stops aedes's heartbeat timers; its client close handlers stall on the cut fence.
    instance.aedes.close();
    await withTimeout(Promise.all([closed, ...sockets.map(socketGone)]), this.#timeoutMs, `aedes on ${loopback}:${this.port}: closing the listener after a crash`);
  }

  /** Graceful: the listener stops accepting, aedes closes every client (wills, clean sessions), then it is gone. */
  async stop(): Promise<void> {
    const instance = this.#take('stop');
    const what = `aedes on ${loopback}:${this.port}: graceful stop`;
    const closed = new Promise<void>((resolve) => instance.server.close(() => resolve()));
    await withTimeout(new Promise<void>((resolve) => instance.aedes.close(() => resolve())), this.#timeoutMs, what);
    const sockets = [...instance.sockets];
    for (const socket of sockets) socket.destroy();
    await withTimeout(Promise.all([closed, ...sockets.map(socketGone)]), this.#timeoutMs, what);
  }

  /** A new aedes on the same port; with durability 'every-change' over the same store. */
  async restart(): Promise<void> {
    if (this.#closed) throw new Error(`aedes on ${loopback}:${this.port}: restart() after close()`);
    if (this.#instance !== undefined) throw new Error(`aedes on ${loopback}:${this.port}: restart() while running; crash() or stop() first`);
    if (this.durability === 'none') this.#store = memoryStoreFactory();
    await this.#listen();
  }

  /** Stops the broker if it runs (abruptly) and releases it for good. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#untrack();
    if (this.#instance !== undefined) await this.crash();
  }

  async #listen(): Promise<void> {
    const fenced = fenceStore(this.#store);
    const aedes = new Aedes({ persistence: fenced.store });
    // Aedes's typed on() omits 'error'; an unheard 'error' event would throw, so listen as an EventEmitter.
    const emitter: EventEmitter = aedes;
    emitter.on('error', (error: Error) => {
      this.#errors.push(error.message);
    });
    await aedes.listen();
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      // Node leaves Nagle's algorithm on: aedes's small writes after a resume (CONNACK, SUBACK,
      // the forwards) would wait ~40 ms for the peer's delayed ACK, a stall the model has no
      // notion of (timing only, as Mosquitto's set_tcp_nodelay, which the harness turns on too).
      socket.setNoDelay(true);
      sockets.add(socket);
      trackSocket(socket, `aedes connection ${socket.remoteAddress}:${socket.remotePort} on port ${this.port}`);
      socket.once('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    const listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: loopback, port: this.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      await withTimeout(listening, this.#timeoutMs, `aedes: listen on ${loopback}:${this.port}`);
    } catch (error) {
      aedes.close();
      server.close();
      throw new Error(`aedes: cannot listen on ${loopback}:${this.port}: ${errorMessage(error)}`);
    }
    trackServer(server, `aedes listener ${loopback}:${this.port}`);
    this.#instance = { aedes, server, sockets, fence: fenced };
  }

  #take(operation: string): Instance {
    const instance = this.#instance;
    if (instance === undefined) throw new Error(`aedes on ${loopback}:${this.port}: ${operation}() while not running`);
    this.#instance = undefined;
    return instance;
  }

  /** For the process 'exit' hook: nothing asynchronous runs there. */
  #crashSync(): void {
    const instance = this.#instance;
    if (instance === undefined) return;
    instance.fence.cut();
    for (const socket of instance.sockets) socket.destroy();
    instance.server.close();
  }
}
