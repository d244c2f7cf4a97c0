// A thin shell that runs one of the pure client models (models/producer.ts, models/consumer.ts)
// over real TCP sockets and real timers. The model decides everything; the shell only does the
// I/O its effects ask for and turns what happens on the sockets back into inputs, as the
// simulated world (src/sim/world.ts) does with virtual ones:
//   'open'         -> PacketSocket.connect to the client's proxy, then 'connected' (or, if the
//                     connect fails, 'disconnected') for a fresh connection id
//   'send'         -> write the packet (a closed socket loses it, as the world's 'lost')
//   'close'        -> graceful close (FIN after pending writes); this end hears nothing more
//   'set-timer'    -> setTimeout, re-arming replaces; 'cancel-timer' -> clearTimeout
//   'history'      -> the run records it with its real elapsed time
// A crash is what kill -9 does to a client process: its sockets close at once, its timers and
// memory are gone, and the model keeps what model.crash() says survives.
import { ModelInvariantError } from '../../models/assert.ts';
import type { HistoryBody } from '../../models/history.ts';
import type { ConnId, Effect, NodeInput, NodeModel } from '../../models/node.ts';
import type { Packet } from '../../models/packets.ts';
import { errorMessage, withTimeout } from './bounded.ts';
import { PacketSocket, SocketClosedError } from './packet-socket.ts';
import { ReplyClock } from './reply-delay.ts';

export interface ClientHost {
  /** Milliseconds since the run began (real time). */
  nowMs(): number;
  /** A history event the model emitted. */
  observe(event: HistoryBody): void;
  /** Something happened on the wire (a packet, a connection up or down): quiescence waits for silence. */
  activity(): void;
  /** A connection id not used before in this run. */
  nextConnId(): ConnId;
  /** The shell cannot go on (the model rejected what the broker did, a socket protocol error): ends the run. */
  fail(error: Error): void;
  /** A timer fired `lateMs` after its time: the machine was busy (the run reports the worst). */
  late(lateMs: number): void;
  /** The broker's reply to a request came `delayMs` after the request was written (reply-delay.ts; the run reports the worst). */
  answered(delayMs: number): void;
  /** A packet went out on connection `conn` of the client `clientId` (broker-reads.ts). */
  wrote(conn: ConnId, clientId: string, packet: Packet): void;
  /** Connection `conn` ended: closed by either end, or its client crashed. */
  ended(conn: ConnId): void;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

interface Connection {
  readonly id: ConnId;
  /** The client life (incarnation) that opened it. */
  readonly incarnation: number;
  socket: PacketSocket | undefined;
  /** This end closed it (a 'close' effect or a crash): it hears and reads nothing more on it. */
  closedHere: boolean;
  /** 'disconnected' was delivered for it once already. */
  heardClose: boolean;
  /** CONNECT went out and no CONNACK came back yet: the broker owes an answer. */
  awaitingConnack: boolean;
  /** When each request the broker owes a reply to was written. */
  readonly replies: ReplyClock;
  /** The client id its CONNECT carried. */
  clientId: string | undefined;
}

/** MQTT_DST_DEBUG=1: every packet and connection event on stderr. */
const debug = process.env['MQTT_DST_DEBUG'] === '1';

/** Bound on the sockets' closing at the end of a run. */
const shutdownMsMax = 2_000;

/** Bound on a TCP connect to the proxy (which is local and always listening). */
const connectTimeoutMs = 2_000;

export class ModelClient<S> {
  readonly name: string;
  #state: S;
  #up = false;
  #stopped = false;
  /** Bumped at every crash: callbacks of an earlier life find a different number and do nothing. */
  #incarnation = 0;
  readonly #timers = new Map<string, { readonly handle: NodeJS.Timeout; readonly background: boolean }>();
  /** Every connection this client ever opened in the run (a few per run), by id. */
  readonly #connections = new Map<ConnId, Connection>();
  #opening = 0;
  /** Sockets written to in the current step, corked until it ends. */
  readonly #corked = new Set<PacketSocket>();

  constructor(
    private readonly model: NodeModel<S>,
    name: string,
    private readonly endpoint: Endpoint,
    private readonly host: ClientHost,
  ) {
    this.name = name;
    this.#state = model.init();
  }

  get up(): boolean {
    return this.#up;
  }

  get state(): S {
    return this.#state;
  }

  /**
   * What keeps a run from being quiescent: timers (background ones do not count), connects under
   * way, and CONNECTs the broker has not answered (the model has no timer for those: paho's
   * keepalive would catch a broker that never answers, far beyond a run's length).
   */
  get pending(): number {
    let count = this.#opening;
    for (const timer of this.#timers.values()) if (!timer.background) count += 1;
    for (const conn of this.#connections.values()) if (conn.awaitingConnack && !conn.closedHere && !conn.heardClose) count += 1;
    return count;
  }

  /** The process starts (at the beginning of the run and after each crash); `offline`: its application is offline. */
  start(offline: boolean): void {
    if (this.#stopped) return;
    if (this.#up) throw new ModelInvariantError(`${this.name}: start while up`);
    this.#up = true;
    if (offline) this.input({ kind: 'go-offline' });
    this.input({ kind: 'start' });
  }

  /** An application input: publish, go-offline, go-online. */
  input(input: NodeInput): void {
    if (this.#stopped) return;
    this.#deliver(input);
  }

  /** kill -9: sockets close at once (the kernel closes a dead process's descriptors), timers and memory are gone. */
  crash(): void {
    if (!this.#up) throw new ModelInvariantError(`${this.name}: crash while down`);
    this.#dropEverything();
    this.#state = this.model.crash(this.#state);
    this.#up = false;
  }

  /** The run is over: nothing more happens in this client. Resolves once its sockets are closed. Idempotent. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#dropEverything();
    this.#up = false;
    const closing = [...this.#connections.values()].flatMap((conn) => (conn.socket === undefined ? [] : [conn.socket.closed]));
    await withTimeout(Promise.all(closing), shutdownMsMax, `${this.name}: closing its sockets`);
  }

  #dropEverything(): void {
    this.#incarnation += 1;
    for (const timer of this.#timers.values()) clearTimeout(timer.handle);
    this.#timers.clear();
    for (const conn of this.#connections.values()) {
      if (!conn.closedHere && !conn.heardClose) this.host.ended(conn.id);
      conn.closedHere = true;
      conn.socket?.destroy();
    }
  }

  #deliver(input: NodeInput): void {
    if (!this.#up) throw new ModelInvariantError(`${this.name}: input ${input.kind} while down`);
    const result = this.model.step(this.#state, input, this.host.nowMs());
    this.#state = result.state;
    // The packets of one step (one turn of the client's network loop) leave in one write.
    const corked = this.#corked;
    try {
      for (const effect of result.effects) this.#apply(effect);
    } finally {
      for (const socket of corked) socket.uncork();
      corked.clear();
    }
  }

  /** For callbacks from sockets and timers: a model error there ends the run instead of escaping. */
  #guarded(incarnation: number, action: () => void): void {
    if (this.#stopped || incarnation !== this.#incarnation) return;
    try {
      action();
    } catch (error) {
      this.host.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #apply(effect: Effect): void {
    switch (effect.kind) {
      case 'send':
        return this.#send(effect.conn, effect.packet);
      case 'open':
        return this.#open();
      case 'close':
        return this.#close(effect.conn);
      case 'set-timer': {
        const previous = this.#timers.get(effect.timer);
        if (previous !== undefined) clearTimeout(previous.handle);
        const incarnation = this.#incarnation;
        const dueMs = this.host.nowMs() + effect.afterMs;
        const handle = setTimeout(() => {
          this.host.late(this.host.nowMs() - dueMs);
          this.#guarded(incarnation, () => {
            this.#timers.delete(effect.timer);
            this.#deliver({ kind: 'timer', timer: effect.timer });
          });
        }, effect.afterMs);
        this.#timers.set(effect.timer, { handle, background: effect.background === true });
        return;
      }
      case 'cancel-timer': {
        const timer = this.#timers.get(effect.timer);
        if (timer !== undefined) clearTimeout(timer.handle);
        this.#timers.delete(effect.timer);
        return;
      }
      case 'history':
        return this.host.observe(effect.event);
      default: {
        const never: never = effect;
        throw new ModelInvariantError(`${this.name}: unknown effect ${JSON.stringify(never)}`);
      }
    }
  }

  #connection(id: ConnId, what: string): Connection | undefined {
    const conn = this.#connections.get(id);
    if (conn === undefined) throw new ModelInvariantError(`${this.name}: ${what} on unknown connection ${id}`);
    return conn;
  }

  #send(id: ConnId, packet: Packet): void {
    const conn = this.#connection(id, `send(${packet.cmd})`);
    if (conn === undefined || conn.closedHere) return;
    if (conn.socket === undefined) throw new ModelInvariantError(`${this.name}: send(${packet.cmd}) on connection ${id} before it was up`);
    try {
      if (!this.#corked.has(conn.socket) && conn.socket.isOpen) {
        conn.socket.cork();
        this.#corked.add(conn.socket);
      }
      conn.socket.send(packet);
      conn.replies.sent(packet, this.host.nowMs());
      if (packet.cmd === 'connect') {
        conn.awaitingConnack = true;
        conn.clientId = packet.clientId;
      } else if (conn.clientId !== undefined) {
        this.host.wrote(id, conn.clientId, packet);
      }
      this.host.activity();
      if (debug) process.stderr.write(`${this.host.nowMs().toFixed(1)} ${this.name}#${id} -> ${JSON.stringify(packet)}\n`);
    } catch (error) {
      // Closed under us and not yet heard of: the packet is lost, as on a dead link.
      if (!(error instanceof SocketClosedError)) throw error;
    }
  }

  #close(id: ConnId): void {
    const conn = this.#connection(id, 'close');
    if (conn === undefined || conn.closedHere) return;
    if (!conn.heardClose) this.host.ended(id);
    conn.closedHere = true;
    this.host.activity();
    if (conn.socket !== undefined) void conn.socket.close();
  }

  #open(): void {
    const id = this.host.nextConnId();
    const incarnation = this.#incarnation;
    const conn: Connection = { id, incarnation, socket: undefined, closedHere: false, heardClose: false, awaitingConnack: false, replies: new ReplyClock(), clientId: undefined };
    this.#connections.set(id, conn);
    this.#opening += 1;
    PacketSocket.connect(this.endpoint.host, this.endpoint.port, { connectTimeoutMs, label: `${this.name}#${id}` }).then(
      (socket) => {
        this.#opening -= 1;
        if (this.#stopped || incarnation !== this.#incarnation || conn.closedHere) {
          socket.destroy();
          return;
        }
        conn.socket = socket;
        this.host.activity();
        this.#guarded(incarnation, () => this.#deliver({ kind: 'connected', conn: id }));
        // Listeners only now: nothing can arrive before our CONNECT, and the socket's inbox
        // keeps whatever did until a listener takes it.
        socket.onPacket((packet) => {
          this.#guarded(incarnation, () => {
            if (conn.closedHere) return;
            if (packet.cmd === 'connack') conn.awaitingConnack = false;
            const replyMs = conn.replies.received(packet, this.host.nowMs());
            if (replyMs !== undefined) this.host.answered(replyMs);
            this.host.activity();
            if (debug) process.stderr.write(`${this.host.nowMs().toFixed(1)} ${this.name}#${id} <- ${JSON.stringify(packet)}\n`);
            this.#deliver({ kind: 'packet', conn: id, packet });
          });
        });
        socket.onClose((info) => {
          this.#guarded(incarnation, () => {
            if (info.reason === 'protocol-error') {
              throw new Error(`${this.name}: connection ${id}: ${info.error ?? 'protocol error'}`);
            }
            this.#heardClose(conn);
          });
        });
      },
      (error: unknown) => {
        this.#opening -= 1;
        // The proxy is local and listening: a failed connect is unexpected, but to the model it
        // is a refused attempt, which it retries.
        this.#guarded(incarnation, () => {
          if (conn.closedHere) return;
          this.host.activity();
          if (debug) process.stderr.write(`${this.host.nowMs().toFixed(1)} ${this.name}#${id}: connect failed: ${errorMessage(error)}\n`);
          this.#heardClose(conn);
        });
      },
    );
  }

  #heardClose(conn: Connection): void {
    if (conn.closedHere || conn.heardClose) return;
    conn.heardClose = true;
    this.host.ended(conn.id);
    this.host.activity();
    this.#deliver({ kind: 'disconnected', conn: conn.id });
  }
}
