// The world owns the clock, the pending events, the connections and the nodes, and runs one
// scenario to its end: the workload and the faults first, then a healing phase (faults stop,
// crashed nodes restart, clients reconnect) until nothing is pending or a bound is hit.
// Every nondeterministic decision goes through the Chooser, so a run replays exactly.
//
// One semantics over two agendas. This class is the semantics both share: what happens when a
// packet arrives, a connection comes up or hangs up, a timer fires, a node crashes or restarts,
// a fault strikes. Where the next event comes from is the agenda's, in a subclass:
// - TimedWorld (timed-world.ts, exploration): a heap by virtual time; only the order of events
//   due at the same instant, and latencies, are choices.
// - ExhaustiveWorld (exhaustive-world.ts, for the bounded model checker in src/check): the set of enabled events;
//   every step is a choice among them (a timer may fire at any point after it is set, a packet
//   may take any time; only packets on one connection direction stay FIFO) and any fault may
//   strike between two steps. Latency is then irrelevant and virtual time max(now, event time).
import { assert, ModelInvariantError, unreachable } from '../../models/assert.ts';
import type { Config } from '../../models/config.ts';
import type { MessageId } from '../../models/ghost.ts';
import { type FaultKind, type HistoryBody, type HistoryEvent, type NodeName } from '../../models/history.ts';
import type { ConnId, Effect, NodeInput, NodeModel } from '../../models/node.ts';
import type { Packet } from '../../models/packets.ts';
import { publishQos, publisherOf, scenarioProducerProblem, type Fault, type Link, type ProducerName, type Scenario } from '../../models/scenario.ts';
import { keyStart, keyStep, type Chooser } from './chooser.ts';
import type { LogEntry, RunEnd } from './log.ts';
import { PhaseTracker, stepNames } from './phases.ts';
import { messageOf, stamp } from './stamp.ts';
import { PublishScript, type ScriptHost } from './workload.ts';

export interface WorldNodes {
  readonly broker: NodeModel<unknown>;
  readonly producer: NodeModel<unknown>;
  readonly consumer: NodeModel<unknown>;
  /** The second producer, for a configuration of two (config.producers). */
  readonly producer2?: NodeModel<unknown>;
}

/** What a fault found when it struck: the phase of every message published so far. */
export interface FaultRecord {
  readonly index: number;
  readonly kind: FaultKind;
  readonly target: NodeName;
  readonly atMs: number;
  readonly phases: readonly { readonly message: MessageId; readonly step: string; readonly inSnapshot: boolean }[];
}

export interface RunStats {
  readonly events: number;
  readonly endMs: number;
  readonly end: RunEnd;
}

export interface RunResult {
  readonly history: readonly HistoryEvent[];
  readonly faults: readonly FaultRecord[];
  readonly stats: RunStats;
  readonly log: readonly LogEntry[] | undefined;
}

export type WorldMode = 'timed' | 'exhaustive';

export interface RunOptions {
  /** Record the full event log (for traces and timelines); exploration leaves it off for speed. */
  readonly log?: boolean;
  /** Which agenda runScenario runs the world on (run.ts): 'timed' (default) or 'exhaustive'; see the head of this file. */
  readonly mode?: WorldMode;
}

export interface Slot {
  readonly name: NodeName;
  /** The node's part of every decision key it is the subject of. */
  readonly key: number;
  readonly model: NodeModel<unknown>;
  state: unknown;
  up: boolean;
  /** Bumped at every crash, so events addressed to an earlier life of the node are dropped. */
  incarnation: number;
  /**
   * Each timer's generation; 0 (or none) = no event of it is live. Generations start at 1, and a
   * timer that fires or is cancelled is set to 0 rather than deleted: a Map that a delete empties
   * allocates a new table, and timers fire every few events.
   */
  readonly timerGenerations: Map<string, number>;
}

export interface Connection {
  readonly id: ConnId;
  readonly client: Slot;
  alive: boolean;
  /** Whether each end still reads (an end that closed its socket reads nothing more). */
  brokerReads: boolean;
  clientReads: boolean;
  /** FIFO per direction: a packet never overtakes an earlier one on the same connection. */
  lastArrivalToBrokerMs: number;
  lastArrivalToClientMs: number;
  /** Each end hears of a connection's end once, however many ways it ended. */
  brokerHeardClose: boolean;
  clientHeardClose: boolean;
}

export type Payload =
  | { readonly kind: 'arrive'; readonly conn: Connection; readonly to: Slot; readonly from: Slot; readonly packet: Packet }
  | { readonly kind: 'link-up'; readonly conn: Connection; readonly clientIncarnation: number; readonly brokerIncarnation: number }
  /** `ordered`: an orderly close, which travels behind the packets the closing end sent (FIFO). */
  | { readonly kind: 'hangup'; readonly conn: Connection; readonly node: Slot; readonly incarnation: number; readonly ordered: boolean }
  | { readonly kind: 'timer'; readonly node: Slot; readonly timer: string; readonly generation: number; readonly incarnation: number }
  | { readonly kind: 'publish'; readonly message: MessageId }
  | { readonly kind: 'offline' }
  | { readonly kind: 'online' }
  | { readonly kind: 'fault'; readonly index: number }
  | { readonly kind: 'restart'; readonly node: Slot }
  /** Timed agenda: a SIGTERM'd broker's wait for socket events times out, and it stops (see strikeFault). */
  | { readonly kind: 'stop'; readonly incarnation: number };

/** One fixed shape for every queued event keeps the heap's comparisons monomorphic (fast). */
export interface WorldEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly background: boolean;
  readonly payload: Payload;
}

/**
 * Each command's word in a packet's decision key, by a switch: a table read by the command is a
 * keyed lookup by a varying string, which V8 serves on its slow, megamorphic path.
 */
function packetWord(cmd: Packet['cmd']): number {
  switch (cmd) {
    case 'connect':
      return 1;
    case 'connack':
      return 2;
    case 'publish':
      return 3;
    case 'puback':
      return 4;
    case 'pubrec':
      return 5;
    case 'pubrel':
      return 6;
    case 'pubcomp':
      return 7;
    case 'subscribe':
      return 8;
    case 'suback':
      return 9;
    case 'disconnect':
      return 10;
    default:
      return unreachable(cmd);
  }
}
const openWord = 11;
const closeWord = 12;
const severWord = 13;

/**
 * The decision key of a packet's latency: who sends it, what it is, which id and message it carries.
 * A switch on the command, so each branch reads one packet shape (the key is made at every send).
 */
function packetKey(sender: number, packet: Packet): number {
  const key = keyStep(sender, packetWord(packet.cmd));
  switch (packet.cmd) {
    case 'publish': {
      let published = packet.messageId === undefined ? key : keyStep(key, packet.messageId);
      const payload = packet.payload;
      for (let i = 0; i < payload.length; i += 1) published = keyStep(published, payload.charCodeAt(i));
      return published;
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'subscribe':
    case 'suback':
      return keyStep(key, packet.messageId);
    case 'connect':
    case 'connack':
    case 'disconnect':
      return key;
    default:
      return unreachable(packet);
  }
}

/** A node's part of every decision key it is the subject of: a hash of its name, made once per name. */
const nameKeys = new Map<NodeName, number>();

function nameKey(name: NodeName): number {
  let key = nameKeys.get(name);
  if (key === undefined) {
    key = [...name].reduce((hash, char) => keyStep(hash, char.charCodeAt(0)), keyStart);
    nameKeys.set(name, key);
  }
  return key;
}

/** A fault the exhaustive search injects between two steps. */
export interface InjectedFault {
  readonly kind: FaultKind;
  /** For connection-drop: whose link is cut. */
  readonly link?: Link;
  /** For producer-crash: which producer; absent means the first. */
  readonly producer?: ProducerName;
  /** Exhaustive broker faults: which database the last autosave wrote; 0 = none since the broker last wrote its disk (ExhaustiveWorld). */
  readonly saved?: number;
}

export abstract class World {
  protected nowMs = 0;
  protected seq = 0;
  /** Pending events that keep the run alive; background timers (autosave) do not count. */
  protected foregroundPending = 0;
  protected nextConnId = 1;
  protected connections: Connection[] = [];
  protected history: HistoryEvent[] = [];
  protected faultRecords: FaultRecord[] = [];
  protected log: LogEntry[] | undefined;
  protected readonly phases: PhaseTracker;
  protected readonly broker: Slot;
  protected readonly producer: Slot;
  protected readonly consumer: Slot;
  /** Every producer, the first (`producer`) first; the second stands beside it when the configuration has two. */
  protected readonly producers: readonly Slot[];
  /** Faults anchored to an event, waiting for it: by message, then by event (no key strings on the hot path). */
  private readonly anchoredFaults = new Map<MessageId, Map<string, number[]>>();
  /** The first producer's publish script. */
  protected readonly script: PublishScript;
  /** Each producer's script, by the producer's index in `producers`. */
  protected readonly scripts: readonly PublishScript[];
  /** Where the steps write their effects (deliver). */
  private readonly effects: Effect[] = [];
  protected offlineDepth = 0;
  /** A SIGTERM the broker has not acted on yet (see strikeFault), with its fault's index and time. */
  private sigterm: { readonly index: number; readonly atMs: number; readonly incarnation: number } | null = null;
  /** When the broker last handled a socket event: its wait for the next one began then. */
  private brokerWokeMs = 0;

  constructor(
    protected readonly config: Config,
    protected readonly scenario: Scenario,
    nodes: WorldNodes,
    protected readonly chooser: Chooser,
    options: RunOptions = {},
  ) {
    this.broker = this.slot('broker', nodes.broker);
    this.producer = this.slot('producer', nodes.producer);
    this.consumer = this.slot('consumer', nodes.consumer);
    this.phases = new PhaseTracker(this.broker.name);
    this.log = options.log ? [] : undefined;
    this.script = new PublishScript(scenario.messages, config.producer.publish_mode, new World.ScriptHostOf(this, this.producer));
    if (nodes.producer2 === undefined) {
      this.producers = [this.producer];
      this.scripts = [this.script];
    } else {
      const second = this.slot('producer2', nodes.producer2);
      this.producers = [this.producer, second];
      this.scripts = [this.script, new PublishScript(scenario.messages, config.producer2.publish_mode, new World.ScriptHostOf(this, second), 'producer2')];
    }
    const problem = scenarioProducerProblem(scenario, config);
    if (problem !== undefined || this.producers.length !== config.producers) {
      throw new ModelInvariantError(problem ?? `the configuration has ${config.producers} producers, the nodes ${this.producers.length}`);
    }
  }

  /** The publish script's view of a world: a class rather than four closures, since every run builds one. */
  private static readonly ScriptHostOf = class implements ScriptHost {
    constructor(
      private readonly world: World,
      private readonly producer: Slot,
    ) {}

    scheduleAt(atMs: number, message: MessageId): void {
      this.world.push(atMs, { kind: 'publish', message });
    }

    invoke(message: MessageId): void {
      const { config, scenario } = this.world;
      this.world.deliver(this.producer, { kind: 'publish', message, topic: config.topic, qos: publishQos(scenario, config, message) });
    }

    producerUp(): boolean {
      return this.producer.up;
    }

    nowMs(): number {
      return this.world.nowMs;
    }
  };

  private slot(name: NodeName, model: NodeModel<unknown>): Slot {
    return { name, key: nameKey(name), model, state: model.init(), up: true, incarnation: 0, timerGenerations: new Map() };
  }

  /** Runs the scenario to its end: until nothing is pending or a bound is hit. */
  abstract run(): RunResult;

  // ---- the agenda ---------------------------------------------------------------------------

  /** Puts a scheduled event on the agenda. */
  protected abstract enqueue(event: WorldEvent): void;

  /** A packet's or a connection event's latency; `what` keys the decision (see Chooser). */
  protected abstract latencyMs(what: number): number;

  /**
   * A timer was set again or cancelled (`timer`), or its node crashed (null: all of them): its
   * earlier events are stale. An agenda may drop them or leave them to be skipped when due (the
   * generation check in dispatch skips them either way).
   */
  protected abstract forgetTimers(node: Slot, timer: string | null): void;

  /**
   * Whether a SIGTERM waits for the broker's next socket event or wait time-out (scheduleSigterm).
   * The timed agenda must model that delay; the enabled-set agenda places the SIGTERM between
   * any two steps, so every point at which it can take effect is already an option.
   */
  protected abstract readonly defersSigterm: boolean;

  /** Ends a run: the log's last entry and the result. */
  protected result(events: number, end: RunEnd): RunResult {
    if (this.log) this.record({ atMs: this.nowMs, kind: 'end', reason: end });
    return { history: this.history, faults: this.faultRecords, stats: { events, endMs: this.nowMs, end }, log: this.log };
  }

  private push(atMs: number, payload: Payload, background = false): void {
    if (!background) this.foregroundPending += 1;
    this.enqueue({ atMs, seq: this.seq++, background, payload });
  }

  protected schedule(): void {
    const { offline, faults } = this.scenario;
    faults.forEach((fault, index) => this.scheduleFault(fault, index));
    for (const period of offline) {
      this.push(period.fromMs, { kind: 'offline' });
      this.push(period.toMs, { kind: 'online' });
    }
    // An offline period from time 0 means the consumer has never connected when the run begins.
    this.startNode(this.broker);
    this.startNode(this.consumer, offline.some((period) => period.fromMs === 0));
    for (const producer of this.producers) this.startNode(producer);
    for (const script of this.scripts) script.start();
  }

  private scheduleFault(fault: Fault, index: number): void {
    const when = fault.when;
    if (when.kind === 'time') {
      this.push(when.atMs, { kind: 'fault', index });
      return;
    }
    let byEvent = this.anchoredFaults.get(when.message);
    if (byEvent === undefined) {
      byEvent = new Map();
      this.anchoredFaults.set(when.message, byEvent);
    }
    const waiting = byEvent.get(when.event) ?? [];
    waiting.push(index);
    byEvent.set(when.event, waiting);
  }

  // ---- dispatch -----------------------------------------------------------------------------

  protected dispatch(event: Payload): void {
    switch (event.kind) {
      case 'arrive':
        return this.arrive(event.conn, event.from, event.to, event.packet);
      case 'link-up':
        return this.linkUp(event.conn, event.clientIncarnation, event.brokerIncarnation);
      case 'hangup':
        return this.hangup(event.conn, event.node, event.incarnation);
      case 'timer': {
        const { node } = event;
        if (node.up && node.incarnation === event.incarnation && node.timerGenerations.get(event.timer) === event.generation) {
          node.timerGenerations.set(event.timer, 0);
          this.deliver(node, { kind: 'timer', timer: event.timer });
        }
        return;
      }
      case 'publish':
        return this.scriptOf(event.message).due(event.message);
      case 'offline':
        this.offlineDepth += 1;
        if (this.offlineDepth === 1 && this.consumer.up) this.deliver(this.consumer, { kind: 'go-offline' });
        return;
      case 'online':
        this.offlineDepth -= 1;
        if (this.offlineDepth === 0 && this.consumer.up) this.deliver(this.consumer, { kind: 'go-online' });
        return;
      case 'fault':
        return this.strike(event.index);
      case 'restart':
        return this.restart(event.node);
      case 'stop':
        if (this.sigterm !== null && this.sigterm.incarnation === event.incarnation) this.stopAfterSigterm();
        return;
      default:
        return unreachable(event);
    }
  }

  private arrive(conn: Connection, from: Slot, to: Slot, packet: Packet): void {
    const reads = to === this.broker ? conn.brokerReads : conn.clientReads;
    if (!conn.alive || !reads) {
      if (this.log) this.record({ atMs: this.nowMs, kind: 'lost', from: from.name, to: to.name, conn: conn.id, packet });
      return;
    }
    if (this.log) this.record({ atMs: this.nowMs, kind: 'packet', from: from.name, to: to.name, conn: conn.id, packet });
    this.phases.packetArrived(from.name, to.name, packet);
    this.deliver(to, { kind: 'packet', conn: conn.id, packet });
  }

  protected hangup(conn: Connection, node: Slot, incarnation: number): void {
    conn.alive = false;
    const isBroker = node === this.broker;
    // An end that closed the connection itself, or already heard it close, hears nothing more.
    const reads = isBroker ? conn.brokerReads : conn.clientReads;
    const heard = isBroker ? conn.brokerHeardClose : conn.clientHeardClose;
    if (!reads || heard || !node.up || node.incarnation !== incarnation) return;
    if (isBroker) conn.brokerHeardClose = true;
    else conn.clientHeardClose = true;
    if (this.log) this.record({ atMs: this.nowMs, kind: 'hangup', node: node.name, conn: conn.id });
    this.deliver(node, { kind: 'disconnected', conn: conn.id });
  }

  protected linkUp(conn: Connection, clientIncarnation: number, brokerIncarnation: number): void {
    const client = conn.client;
    if (!client.up || client.incarnation !== clientIncarnation) {
      conn.alive = false;
      return;
    }
    if (!this.broker.up || this.broker.incarnation !== brokerIncarnation) {
      conn.alive = false;
      if (this.log) this.record({ atMs: this.nowMs, kind: 'connect', node: client.name, conn: conn.id, outcome: 'refused' });
      this.deliver(client, { kind: 'disconnected', conn: conn.id });
      return;
    }
    if (this.log) this.record({ atMs: this.nowMs, kind: 'connect', node: client.name, conn: conn.id, outcome: 'up' });
    this.deliver(this.broker, { kind: 'connected', conn: conn.id });
    if (conn.alive) this.deliver(client, { kind: 'connected', conn: conn.id });
  }

  /**
   * Steps a node and carries out its effects. Every step appends its effects to one array, from
   * where it stood; they are carried out in order and the array is cut back to where it stood, so a
   * step that an effect brings about inside another (none does today) reads and cuts only its own.
   */
  private deliver(node: Slot, input: NodeInput): void {
    if (!node.up) throw new ModelInvariantError(`input ${input.kind} delivered to ${node.name} while it is down`);
    const effects = this.effects;
    const from = effects.length;
    node.state = node.model.stepInto(node.state, input, this.nowMs, effects);
    for (let index = from; index < effects.length; index += 1) this.apply(node, effects[index] as Effect);
    // Popped, not `length = from`: V8 sets an array's length in its runtime, several times slower.
    while (effects.length > from) effects.pop();
    if (node === this.broker && (input.kind === 'packet' || input.kind === 'connected' || input.kind === 'disconnected')) {
      this.brokerWokeMs = this.nowMs;
      // The socket event that ended the SIGTERM'd broker's wait was its last (strikeFault).
      if (this.sigterm !== null && this.sigterm.incarnation === node.incarnation) this.stopAfterSigterm();
    }
  }

  private apply(node: Slot, effect: Effect): void {
    switch (effect.kind) {
      case 'send':
        return this.send(node, this.connection(effect.conn), effect.packet);
      case 'open':
        return this.open(node);
      case 'close':
        return this.close(node, this.connection(effect.conn));
      case 'set-timer': {
        this.forgetTimers(node, effect.timer);
        const generation = (node.timerGenerations.get(effect.timer) ?? 0) + 1;
        node.timerGenerations.set(effect.timer, generation);
        const payload = { kind: 'timer', node, timer: effect.timer, generation, incarnation: node.incarnation } as const;
        this.push(this.nowMs + effect.afterMs, payload, effect.background === true);
        return;
      }
      case 'cancel-timer':
        this.forgetTimers(node, effect.timer);
        node.timerGenerations.set(effect.timer, 0);
        return;
      case 'history':
        return this.observe(effect.event);
      default:
        return unreachable(effect);
    }
  }

  private connection(id: ConnId): Connection {
    const conn = this.connections[id - 1];
    if (conn === undefined || conn.id !== id) throw new ModelInvariantError(`unknown connection ${id}`);
    return conn;
  }

  private send(from: Slot, conn: Connection, packet: Packet): void {
    const toBroker = from !== this.broker;
    const to = toBroker ? this.broker : conn.client;
    const reads = toBroker ? conn.brokerReads : conn.clientReads;
    if (!conn.alive || !reads) {
      if (this.log) this.record({ atMs: this.nowMs, kind: 'lost', from: from.name, to: to.name, conn: conn.id, packet });
      return;
    }
    const arrivalMs = this.fifoArrival(conn, toBroker, packetKey(from.key, packet));
    this.push(arrivalMs, { kind: 'arrive', conn, to, from, packet });
  }

  private fifoArrival(conn: Connection, toBroker: boolean, what: number): number {
    const earliestMs = this.nowMs + this.latencyMs(what);
    if (toBroker) {
      conn.lastArrivalToBrokerMs = Math.max(earliestMs, conn.lastArrivalToBrokerMs);
      return conn.lastArrivalToBrokerMs;
    }
    conn.lastArrivalToClientMs = Math.max(earliestMs, conn.lastArrivalToClientMs);
    return conn.lastArrivalToClientMs;
  }

  private open(client: Slot): void {
    assert(client !== this.broker, 'the broker does not open connections');
    const conn: Connection = {
      id: this.nextConnId++,
      client,
      alive: true,
      brokerReads: true,
      clientReads: true,
      lastArrivalToBrokerMs: 0,
      lastArrivalToClientMs: 0,
      brokerHeardClose: false,
      clientHeardClose: false,
    };
    this.connections.push(conn);
    const payload = { kind: 'link-up', conn, clientIncarnation: client.incarnation, brokerIncarnation: this.broker.incarnation } as const;
    this.push(this.nowMs + this.latencyMs(keyStep(client.key, openWord)), payload);
  }

  /** An orderly close: what this end sent before still arrives, then the peer sees the close. */
  private close(from: Slot, conn: Connection): void {
    if (!conn.alive) return;
    const toBroker = from !== this.broker;
    if (toBroker) conn.clientReads = false;
    else conn.brokerReads = false;
    const peer = toBroker ? this.broker : conn.client;
    const arrivalMs = this.fifoArrival(conn, toBroker, keyStep(from.key, closeWord));
    this.push(arrivalMs, { kind: 'hangup', conn, node: peer, incarnation: peer.incarnation, ordered: true });
  }

  /** The connection dies at once: what was in flight either way is lost; live ends see it go. */
  private sever(conn: Connection): void {
    if (!conn.alive) return;
    conn.alive = false;
    for (const end of [this.broker, conn.client]) {
      const reads = end === this.broker ? conn.brokerReads : conn.clientReads;
      if (end.up && reads) {
        this.push(this.nowMs + this.latencyMs(keyStep(end.key, severWord)), { kind: 'hangup', conn, node: end, incarnation: end.incarnation, ordered: false });
      }
    }
  }

  // ---- history and faults -------------------------------------------------------------------

  private observe(body: HistoryBody): void {
    const event = stamp(body, this.nowMs);
    this.history.push(event);
    if (this.log) this.record({ atMs: this.nowMs, kind: 'history', event });
    for (const script of this.scripts) script.observed(body);
    switch (body.kind) {
      case 'publish-invoked':
        this.phases.note(body.message, stepNames.inMemory(body.node));
        break;
      case 'handling-started':
        this.phases.note(body.message, stepNames.handling(body.node));
        break;
      case 'handled':
        this.phases.note(body.message, stepNames.handled(body.node));
        break;
      default:
        break;
    }
    if (this.anchoredFaults.size > 0) {
      const message = messageOf(body);
      if (message !== undefined) this.fireAnchoredFaults(message, body.kind);
    }
  }

  /** Schedules the faults anchored to this event of this message, if it is their first time. */
  private fireAnchoredFaults(message: MessageId, kind: HistoryBody['kind']): void {
    const byEvent = this.anchoredFaults.get(message);
    const waiting = byEvent?.get(kind);
    if (byEvent === undefined || waiting === undefined) return;
    byEvent.delete(kind);
    if (byEvent.size === 0) this.anchoredFaults.delete(message);
    for (const index of waiting) {
      const when = (this.scenario.faults[index] as Fault).when;
      this.push(this.nowMs + (when.kind === 'event' ? when.delayMs : 0), { kind: 'fault', index });
    }
  }

  /** Callers test `this.log` first, so runs without a log allocate no entries on the hot path. */
  protected record(entry: LogEntry): void {
    this.log?.push(entry);
  }

  protected faultTarget(fault: InjectedFault): Slot {
    switch (fault.kind) {
      case 'broker-kill':
      case 'broker-restart':
        return this.broker;
      case 'consumer-crash':
        return this.consumer;
      case 'producer-crash':
        return this.producerNamed(fault.producer ?? 'producer');
      case 'connection-drop':
        return fault.link === 'consumer' || fault.link === undefined ? this.consumer : this.producerNamed(fault.link);
      default:
        return unreachable(fault.kind);
    }
  }

  /** The script of the producer that publishes `message`. */
  private scriptOf(message: MessageId): PublishScript {
    if (this.scripts.length === 1) return this.script;
    return this.scripts[this.producers.indexOf(this.producerNamed(publisherOf(this.scenario, message)))] as PublishScript;
  }

  private producerNamed(name: ProducerName): Slot {
    const found = this.producers.find((slot) => slot.name === name);
    if (found === undefined) throw new ModelInvariantError(`no producer ${name} in this world`);
    return found;
  }

  private strike(index: number): void {
    this.strikeFault(this.scenario.faults[index] as Fault, index);
  }

  /**
   * `index`: the scenario's fault index (timed), or the ordinal of the injected fault
   * (exhaustive). `saved`, exhaustive only: the broker as a crash would leave it if its last
   * autosave had been at a chosen earlier point (see ExhaustiveWorld's lazy autosave); a
   * broker-kill leaves that state, and broker faults record what it holds.
   */
  protected strikeFault(fault: InjectedFault, index: number, saved?: unknown): void {
    const target = this.faultTarget(fault);
    let live: Connection[] = [];
    if (fault.kind === 'connection-drop') {
      live = this.connections.filter((conn) => conn.alive && conn.client === target);
      if (live.length === 0) return;
    } else if (!target.up) {
      return;
    }
    const acting = this.sigtermMs !== null;
    // aedes has no such window: its graceful stop (aedes.js close → closeClient for every client)
    // closes the connections at once.
    if (fault.kind === 'broker-restart' && this.defersSigterm && !acting && this.config.broker.profile !== 'aedes-1.2') {
      // A second SIGTERM before the first takes effect adds nothing: the signal is pending.
      if (this.sigterm !== null) return;
      this.observe({ kind: 'fault', fault: fault.kind, node: target.name });
      return this.scheduleSigterm(index);
    }
    const disk = saved ?? this.broker.state;
    this.faultRecords.push({
      index,
      kind: fault.kind,
      target: target.name,
      atMs: this.nowMs,
      phases: this.phases.messages().map((message) => ({
        message,
        step: this.phases.stepOf(message),
        inSnapshot: this.broker.model.snapshotHolds?.(disk, message) ?? false,
      })),
    });
    // A SIGTERM taking effect was observed when it struck.
    if (!acting) this.observe({ kind: 'fault', fault: fault.kind, node: target.name });
    switch (fault.kind) {
      case 'connection-drop':
        for (const conn of live) this.sever(conn);
        return;
      case 'broker-restart':
        // SIGTERM: the broker saves and closes its connections, then the process exits.
        this.deliver(target, { kind: 'stop' });
        return this.crash(target, undefined, this.sigtermMs ?? this.nowMs, true);
      case 'broker-kill':
        return this.crash(target, saved);
      case 'consumer-crash':
      case 'producer-crash':
        return this.crash(target);
      default:
        return unreachable(fault.kind);
    }
  }

  /** Set while a SIGTERM that struck earlier takes effect: the supervisor restarts from then. */
  private sigtermMs: number | null = null;

  /**
   * Timed agenda (defersSigterm), broker-restart: Mosquitto 2.0.11 waits for socket events with SIGINT/SIGTERM
   * blocked (src/mux_epoll.c mux_epoll__handle: sigprocmask around epoll_wait, 100 ms timeout),
   * so a SIGTERM takes effect only when that wait returns: the broker first handles the socket
   * event that woke it (a packet, a connection, a hangup) — acknowledging, forwarding and saving
   * what it carried — then leaves its main loop (loop.c, `run` cleared by handle_sigint), saves and
   * exits; with no socket event it leaves at the wait's timeout, 100 ms after it began, that is
   * after the broker's last socket event. Measured on the real broker: a PUBLISH arriving 1.3 ms
   * and a PUBACK arriving 14 ms after the SIGTERM were still handled, the PUBACK after it was not.
   * The exhaustive search needs none of this: it places the SIGTERM between any two steps, the
   * one after such a last event included.
   */
  private sigtermWaitMs = 100;

  private scheduleSigterm(index: number): void {
    const waitMs = this.sigtermWaitMs;
    const elapsedMs = this.nowMs - this.brokerWokeMs;
    const timeoutMs = this.brokerWokeMs + (Math.floor(elapsedMs / waitMs) + 1) * waitMs;
    this.sigterm = { index, atMs: this.nowMs, incarnation: this.broker.incarnation };
    this.push(timeoutMs, { kind: 'stop', incarnation: this.broker.incarnation });
  }

  private stopAfterSigterm(): void {
    const sigterm = this.sigterm;
    assert(sigterm !== null, () => 'stopAfterSigterm without a SIGTERM');
    this.sigterm = null;
    this.sigtermMs = sigterm.atMs;
    this.strikeFault({ kind: 'broker-restart' }, sigterm.index);
    this.sigtermMs = null;
  }

  /**
   * `after`: the state the crash leaves, when the caller chose it (see strikeFault).
   * `restartFromMs`: when the supervisor's delay began. A crash cuts what was in flight on the
   * node's connections (a kill can strike between any two of its writes, so what it wrote last
   * may never leave), except, with `stoppedInOrder` (SIGTERM), the connections the broker has
   * just closed itself: Mosquitto 2.0.11 leaves its main loop only between events
   * (src/loop.c mosquitto_main_loop, `while(run)`), every packet it queued was already written
   * (lib/packet_mosq.c packet__queue calls packet__write at once), and src/mosquitto.c main then
   * saves (persist__backup(true)) and closes each client's socket (src/context.c
   * context__cleanup → lib/net_mosq.c net__socket_close: close(), no DISCONNECT, 3.1.1 has none
   * from a server). The kernel sends what was written, then the close: the model's orderly
   * close (`close`), FIFO behind those packets, which the broker's stop already put on each
   * connection. A client's packet still on its way to the broker is lost, as the broker no
   * longer reads.
   */
  private crash(node: Slot, after?: unknown, restartFromMs = this.nowMs, stoppedInOrder = false): void {
    node.state = after ?? node.model.crash(node.state);
    node.up = false;
    node.incarnation += 1;
    node.timerGenerations.clear();
    // A kill while a SIGTERM is pending: the process is gone before the signal took effect.
    if (node === this.broker) this.sigterm = null;
    this.forgetTimers(node, null);
    const script = this.scripts[this.producers.indexOf(node)];
    if (script !== undefined) script.producerCrashed();
    for (const conn of this.connections) {
      if (!conn.alive || (node !== this.broker && conn.client !== node)) continue;
      if (stoppedInOrder && !conn.brokerReads) continue;
      this.sever(conn);
    }
    const timing = this.config.timing;
    const delayMs = node === this.broker ? (timing.brokerRestartDelayMs ?? timing.restartDelayMs) : timing.restartDelayMs;
    this.push(Math.max(this.nowMs, restartFromMs + delayMs), { kind: 'restart', node });
  }

  private restart(node: Slot): void {
    this.observe({ kind: 'restarted', node: node.name });
    this.startNode(node, node === this.consumer && this.offlineDepth > 0);
    this.scripts[this.producers.indexOf(node)]?.producerRestarted();
  }

  private startNode(node: Slot, offline = false): void {
    node.up = true;
    if (offline) this.deliver(node, { kind: 'go-offline' });
    this.deliver(node, { kind: 'start' });
  }
}
