// One scenario against a real broker over TCP, with the semantics of the simulated world
// (src/sim/world.ts) in real time: the same client models driven by ModelClient, the same
// publish script (PublishScript), the same offline periods, and the same faults, each struck
// for real — kill -9 or SIGTERM of the broker process then a restart after
// timing.restartDelayMs on the same port and data, a client crash through its shell, a
// connection drop by the link's FaultProxy. Every client reaches the broker through its own
// proxy. The run ends as the world's does: once no fault can strike any more, crashed nodes
// have restarted and nothing has happened for an idle window (quiescent), or at a wall-clock
// cap, which is reported.
//
// Faults anchored to a protocol event (a history event of a message) strike delayMs after its
// first occurrence, as in the world, which is what makes a run comparable with the model's.
// Faults at a wall-clock time ('time') are allowed but flaky by nature: where the protocol
// stands at a given millisecond depends on scheduling, loopback latency and the broker's
// event loop (Mosquitto's wakes every 100 ms), not on the scenario.
import { unreachable } from '../../models/assert.ts';
import type { Config } from '../../models/config.ts';
import type { HistoryBody, HistoryEvent } from '../../models/history.ts';
import { producersOf, publishQos, publisherOf, scenarioProducerProblem, type Fault, type Link, type ProducerName, type Scenario } from '../../models/scenario.ts';
import { nodesFor } from '../sim/run.ts';
import { PublishScript } from '../sim/workload.ts';
import { errorMessage, withTimeout } from './bounded.ts';
import { asRunScenario } from './as-run.ts';
import { FaultProxy, type ProxyEvent } from './fault-proxy.ts';
import { LoopStallMeter } from './loop-stall.ts';
import { ModelClient, type ClientHost } from './model-client.ts';
import type { BrokerControl } from './targets.ts';

export type RealRunEnd =
  /** Nothing pending and nothing happened for idleMs. */
  | 'quiescent'
  /** The wall-clock cap after the scenario's end was reached first. */
  | 'cap';

export interface RealRunOptions {
  /** Quiescence needs this long without a history event or a packet. Default 300. */
  readonly idleMs?: number;
  /** Wall-clock bound on the run beyond the scenario's last scheduled time. Default 10000. */
  readonly capMs?: number;
}

export interface RealFaultRecord {
  readonly index: number;
  readonly kind: Fault['kind'];
  readonly target: string;
  readonly atMs: number;
}

export interface RealRunResult {
  readonly history: readonly HistoryEvent[];
  /** The faults that struck, in order; one whose target was down (or link unused) did not. */
  readonly faults: readonly RealFaultRecord[];
  readonly end: RealRunEnd;
  /** Real milliseconds from the run's start to its end. */
  readonly elapsedMs: number;
  /** What each link's proxy saw (connections accepted, dialled, closed, severed), for diagnosis; 'producer2' with a second producer. */
  readonly links: LinkEvents;
  /** The scenario as it really ran (src/real/as-run.ts): each item at the instant it happened. */
  readonly asRun: Scenario;
  /**
   * The latest a client's timer (its network loop, handling, reconnect delay) fired after its
   * time: how busy the machine was. The harness's own late items are in asRun instead.
   */
  readonly lateMsMax: number;
  /**
   * The longest this process's event loop stood still (src/real/loop-stall.ts) from the
   * scenario's clock start (the consumer's first SUBACK) to the run's end: the embedded broker,
   * the proxies and the clients all stopped for that long, timers due or not.
   */
  readonly stallMsMax: number;
}

/** Each link's proxy events: the first producer's and the consumer's always, the second producer's when it runs. */
export type LinkEvents = Readonly<Record<'producer' | 'consumer', readonly ProxyEvent[]>> & { readonly producer2?: readonly ProxyEvent[] };

export class RealRunError extends Error {
  override name = 'RealRunError';
}

const idleMsDefault = 300;
const capMsDefault = 10_000;
const pollMs = 5;
/** Bound on the wait for the consumer's first SUBACK when the cap is shorter: a loaded machine can take a while. */
const subackWaitMsMin = 5_000;
/** Bound on a broker kill, stop or restart (each has its own inner bounds; this is the last word). */
const brokerOperationMsMax = 15_000;

function isBrokerFault(fault: Fault): boolean {
  return fault.kind === 'broker-kill' || fault.kind === 'broker-restart';
}

/** Refuses what the target cannot do: broker faults against a broker the harness does not control. */
export function checkScenarioForTarget(scenario: Scenario, broker: { readonly name: string; readonly controllable: boolean }): string | undefined {
  if (broker.controllable) return undefined;
  const index = scenario.faults.findIndex(isBrokerFault);
  if (index < 0) return undefined;
  const fault = scenario.faults[index] as Fault;
  return `scenario.faults[${index}]: ${fault.kind} needs a broker the harness controls (--target mosquitto or aedes); against ${broker.name} only client crashes and connection drops apply`;
}

/** The scenario's last scheduled instant: publishes, offline periods, time-anchored faults (as the world computes it). */
export function scenarioEndMs(scenario: Scenario): number {
  let endMs = 0;
  for (const message of scenario.messages) endMs = Math.max(endMs, message.atMs);
  for (const period of scenario.offline) endMs = Math.max(endMs, period.toMs);
  for (const fault of scenario.faults) if (fault.when.kind === 'time') endMs = Math.max(endMs, fault.when.atMs);
  return endMs;
}

/**
 * Runs `scenario` against `broker` (already running, owned by the caller, which closes it).
 * The proxies are the run's own and are closed before it returns, even when it fails.
 */
export async function runOnBroker(config: Config, scenario: Scenario, broker: BrokerControl, options: RealRunOptions = {}): Promise<RealRunResult> {
  const refusal = checkScenarioForTarget(scenario, broker) ?? scenarioProducerProblem(scenario, config);
  if (refusal !== undefined) throw new RealRunError(refusal);
  const proxies: Partial<Record<Link, FaultProxy>> = {};
  try {
    for (const link of [...producersOf(config), 'consumer'] as const) {
      proxies[link] = await FaultProxy.start({ upstreamPort: broker.port, upstreamHost: broker.host, label: `${link} link -> ${broker.name}` });
    }
    const run = new RealRun(config, scenario, broker, proxies, options);
    const result = await run.run();
    const startedAtMs = Date.now() - result.elapsedMs;
    // Proxy events carry wall-clock times; make them run-relative like the history's.
    const relative = (proxy: FaultProxy | undefined) => (proxy?.events() ?? []).map((event) => ({ ...event, atMs: Math.round(event.atMs - startedAtMs) }));
    const links: LinkEvents = {
      producer: relative(proxies.producer),
      consumer: relative(proxies.consumer),
      ...(proxies.producer2 === undefined ? {} : { producer2: relative(proxies.producer2) }),
    };
    return { ...result, links };
  } finally {
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  }
}

type Slot = 'broker' | Link;

/** A producer client with its own publish script (src/sim/workload.ts), as in the world. */
interface Publisher {
  readonly name: ProducerName;
  readonly client: ModelClient<unknown>;
  readonly script: PublishScript;
}

class RealRun implements ClientHost {
  readonly #config: Config;
  readonly #scenario: Scenario;
  readonly #broker: BrokerControl;
  readonly #proxies: Readonly<Partial<Record<Link, FaultProxy>>>;
  readonly #idleMs: number;
  readonly #capMs: number;
  /** Every producer, the first first. */
  readonly #publishers: readonly Publisher[];
  readonly #consumer: ModelClient<unknown>;
  readonly #history: HistoryEvent[] = [];
  readonly #faults: RealFaultRecord[] = [];
  /** When each publish fell due and each offline period began and ended, for the as-run scenario. */
  readonly #dueMs: (number | undefined)[] = [];
  readonly #offlineMs: { fromMs?: number; toMs?: number }[] = [];
  readonly #anchored = new Map<string, number[]>();
  readonly #timeouts = new Set<NodeJS.Timeout>();
  /** Harness work under way: scheduled timeouts, microtask faults, broker operations. */
  #pending = 0;
  #brokerUp = true;
  #offlineDepth = 0;
  #nextConnId = 1;
  #startedMs = 0;
  #lastActivityMs = 0;
  #failure: Error | undefined;
  #lateMsMax = 0;
  /** Measures the event loop's stalls over the run; its window opens with the scenario's clock. */
  readonly #stall = new LoopStallMeter();
  /** Schedules the timed items once the consumer has first subscribed. */
  #onSubscribed: (() => void) | undefined;
  /** Run time at which the timed items were scheduled (the consumer's first SUBACK, or 0). */
  #timedFromMs = 0;
  #over = false;

  constructor(config: Config, scenario: Scenario, broker: BrokerControl, proxies: Readonly<Partial<Record<Link, FaultProxy>>>, options: RealRunOptions) {
    this.#config = config;
    this.#scenario = scenario;
    this.#broker = broker;
    this.#proxies = proxies;
    this.#idleMs = options.idleMs ?? idleMsDefault;
    this.#capMs = options.capMs ?? capMsDefault;
    const endpoint = (link: Link) => {
      const proxy = proxies[link];
      if (proxy === undefined) throw new RealRunError(`no proxy for the ${link} link`);
      return { host: proxy.host, port: proxy.port };
    };
    // The very models the simulation runs (nodesFor picks them by profile, as runScenario does).
    const nodes = nodesFor(config);
    this.#consumer = new ModelClient(nodes.consumer, 'consumer', endpoint('consumer'), this);
    this.#publishers = producersOf(config).map((name) => {
      const model = name === 'producer2' ? nodes.producer2 : nodes.producer;
      if (model === undefined) throw new RealRunError(`no model for ${name}`);
      const client = new ModelClient(model, name, endpoint(name), this);
      const mode = (name === 'producer2' ? config.producer2 : config.producer).publish_mode;
      const script: PublishScript = new PublishScript(
        scenario.messages,
        mode,
        {
          scheduleAt: (atMs, message) =>
            this.#later(atMs - this.#scenarioMs(), () => {
              this.#dueMs[message - 1] ??= this.nowMs();
              script.due(message);
            }),
          invoke: (message) => client.input({ kind: 'publish', message, topic: config.topic, qos: publishQos(scenario, config, message) }),
          producerUp: () => client.up,
          nowMs: () => this.#scenarioMs(),
        },
        name,
      );
      return { name, client, script };
    });
  }

  // ---- ClientHost ---------------------------------------------------------------------------

  nowMs(): number {
    return performance.now() - this.#startedMs;
  }

  activity(): void {
    this.#lastActivityMs = this.nowMs();
  }

  nextConnId(): number {
    return this.#nextConnId++;
  }

  fail(error: Error): void {
    this.#failure ??= error;
  }

  late(lateMs: number): void {
    if (lateMs > this.#lateMsMax) this.#lateMsMax = lateMs;
  }

  observe(body: HistoryBody): void {
    if (this.#over) return;
    const atMs = Math.round(this.nowMs() * 1000) / 1000;
    this.#history.push({ ...body, atMs });
    if (body.kind === 'subscribed' && this.#onSubscribed !== undefined) {
      const then = this.#onSubscribed;
      this.#onSubscribed = undefined;
      this.#soon(then);
    }
    this.#lastActivityMs = atMs;
    for (const publisher of this.#publishers) publisher.script.observed(body);
    if ('message' in body && this.#anchored.size > 0) {
      const key = `${body.kind}:${body.message}`;
      const waiting = this.#anchored.get(key);
      if (waiting === undefined) return;
      this.#anchored.delete(key);
      for (const index of waiting) {
        const when = (this.#scenario.faults[index] as Fault).when;
        const delayMs = when.kind === 'event' ? when.delayMs : 0;
        // At once means as soon as the step that recorded the anchor has applied all its
        // effects (a microtask), never in the middle of them; setTimeout(0) would be 1 ms.
        if (delayMs === 0) this.#soon(() => this.#strike(index));
        else this.#later(delayMs, () => this.#strike(index));
      }
    }
  }

  // ---- the run ------------------------------------------------------------------------------

  async run(): Promise<Omit<RealRunResult, 'links'>> {
    this.#startedMs = performance.now();
    const endMs = scenarioEndMs(this.#scenario);
    try {
      this.#guard(() => this.#schedule());
      const end = await this.#settle(endMs);
      const stallMsMax = this.#stall.stop();
      if (this.#failure !== undefined) throw this.#failure;
      // Still waiting for the consumer's first SUBACK: nothing of the scenario ran, so the run shows nothing.
      if (this.#onSubscribed !== undefined) throw new RealRunError(`${this.#broker.name}: the consumer never subscribed (no SUBACK within the run); nothing of the scenario ran`);
      this.#broker.assertHealthy();
      const struckMs = this.#scenario.faults.map((_, index) => this.#faults.find((record) => record.index === index)?.atMs);
      const asRun = asRunScenario(this.#scenario, this.#history, { dueMs: this.#dueMs, offline: this.#offlineMs, struckMs });
      return { history: this.#history, faults: this.#faults, end, elapsedMs: this.nowMs(), asRun, lateMsMax: Math.round(this.#lateMsMax * 10) / 10, stallMsMax };
    } finally {
      this.#over = true;
      this.#stall.stop();
      for (const handle of this.#timeouts) clearTimeout(handle);
      this.#timeouts.clear();
      await Promise.all([...this.#publishers.map((publisher) => publisher.client.shutdown()), this.#consumer.shutdown()]);
    }
  }

  /**
   * Polls for quiescence or the cap; a failure ends the wait at once. Each decision waits for
   * the turn's I/O (setImmediate runs after the poll phase): after a stall — a loaded machine
   * that did not run this process for a while — the timers run before the sockets are read,
   * and what arrived meanwhile would look like silence.
   */
  #settle(endMs: number): Promise<RealRunEnd> {
    return new Promise((resolve) => {
      let settled = false;
      const poll = setInterval(() => {
        setImmediate(() => {
          if (settled) return;
          const end = this.#endNow(endMs);
          if (end === undefined) return;
          settled = true;
          clearInterval(poll);
          resolve(end);
        });
      }, pollMs);
    });
  }

  /** How the run ends now, if it does. */
  #endNow(endMs: number): RealRunEnd | undefined {
    const now = this.nowMs();
    let end: RealRunEnd | undefined;
    // The wait for the first SUBACK has its own bound; after it, the cap counts beyond the
    // scenario's end on the scenario's clock, which started at the SUBACK.
    if (this.#onSubscribed !== undefined && now > Math.max(this.#capMs, subackWaitMsMin)) {
      this.fail(new RealRunError(`the consumer never got its SUBACK in ${Math.round(now)} ms: ${this.#broker.name} did not confirm the subscription, so nothing was published`));
    }
    if (this.#failure !== undefined) end = 'cap';
    else if (this.#quiescent(now)) end = 'quiescent';
    else if (this.#onSubscribed === undefined && now > this.#timedFromMs + endMs + this.#capMs) end = 'cap';
    return end;
  }

  /**
   * As the world's foregroundPending === 0: no harness event, client timer or connect is due.
   * An anchored fault whose anchor never came does not count, in the world either. The idle
   * window stands in for what the world knows and we do not: that no packet is on its way
   * (a broker sends queued messages after CONNACK with no client timer pending). The scenario's
   * timed items waiting for the consumer's first SUBACK are pending too: a SUBACK slower than the
   * idle window (a loaded machine) must not end the run before anything was published; one that
   * never comes ends it at the cap, and the comparison names it (activity.ts).
   */
  #quiescent(nowMs: number): boolean {
    return (
      this.#onSubscribed === undefined &&
      this.#pending === 0 &&
      this.#publishers.every((publisher) => publisher.client.pending === 0) &&
      this.#consumer.pending === 0 &&
      nowMs - this.#lastActivityMs >= this.#idleMs
    );
  }

  #schedule(): void {
    const { offline, faults } = this.#scenario;
    faults.forEach((fault, index) => {
      const when = fault.when;
      if (when.kind === 'time') return;
      const key = `${when.event}:${when.message}`;
      const waiting = this.#anchored.get(key) ?? [];
      waiting.push(index);
      this.#anchored.set(key, waiting);
    });
    // The broker is already up. An offline period from 0: the consumer has never connected.
    const neverConnected = offline.some((period) => period.fromMs === 0);
    this.#consumer.start(neverConnected);
    for (const publisher of this.#publishers) publisher.client.start(false);
    // The scenario's timed items assume the consumer has subscribed (the model's does so within
    // a few milliseconds); a loaded machine can take longer. So their clock starts at its SUBACK:
    // every item keeps its time and its distance from the others (running the late ones at once
    // would collapse a going-offline and a drop 100 ms apart into one instant, in either order).
    // The as-run scenario records when each really happened, on the run's clock.
    if (neverConnected) this.#scheduleTimed();
    else this.#onSubscribed = () => this.#scheduleTimed();
  }

  /** Scenario time: milliseconds since the scenario's clock started (0 until it has). */
  #scenarioMs(): number {
    return this.#onSubscribed === undefined ? this.nowMs() - this.#timedFromMs : 0;
  }

  /** Publishes, offline periods and time faults, each at its time on the scenario's clock, which starts now. */
  #scheduleTimed(): void {
    this.#timedFromMs = this.nowMs();
    // Before the scenario's clock starts nothing of it runs: a stall while connecting moves no item.
    this.#stall.restart();
    const { offline, faults, messages } = this.#scenario;
    // Armed in the order of their times (ties: faults, offline periods, publishes), so that
    // timers due together fire in that order; sort is stable.
    const items: { readonly atMs: number; readonly arm: () => void }[] = [];
    faults.forEach((fault, index) => {
      const when = fault.when;
      if (when.kind === 'time') items.push({ atMs: when.atMs, arm: () => this.#later(when.atMs - this.#scenarioMs(), () => this.#strike(index)) });
    });
    offline.forEach((period, index) => {
      const times: { fromMs?: number; toMs?: number } = {};
      this.#offlineMs[index] = times;
      const goOffline = (): void => {
        times.fromMs = this.nowMs();
        this.#offlineDepth += 1;
        if (this.#offlineDepth === 1 && this.#consumer.up) this.#consumer.input({ kind: 'go-offline' });
      };
      const goOnline = (): void => {
        times.toMs = this.nowMs();
        this.#offlineDepth -= 1;
        if (this.#offlineDepth === 0 && this.#consumer.up) this.#consumer.input({ kind: 'go-online' });
      };
      items.push({ atMs: period.fromMs, arm: () => this.#later(period.fromMs - this.#scenarioMs(), goOffline) });
      items.push({ atMs: period.toMs, arm: () => this.#later(period.toMs - this.#scenarioMs(), goOnline) });
    });
    for (const publisher of this.#publishers) {
      const first = messages.find((_, index) => publisherOf(this.#scenario, index + 1) === publisher.name);
      items.push({ atMs: first?.atMs ?? 0, arm: () => publisher.script.start() });
    }
    for (const item of items.sort((a, b) => a.atMs - b.atMs)) item.arm();
  }

  /** Runs `action` after `ms` real milliseconds, counted as pending until it has run. */
  #later(ms: number, action: () => void): void {
    this.#pending += 1;
    const dueMs = this.nowMs() + Math.max(0, ms);
    // Node's timers run on a coarser clock than performance.now and may fire up to a millisecond
    // early by it; re-arm for the remainder so nothing scheduled at t is recorded before t.
    const arm = (delayMs: number): void => {
      const handle = setTimeout(() => {
        this.#timeouts.delete(handle);
        const earlyMs = dueMs - this.nowMs();
        if (earlyMs > 0 && !this.#over) return arm(Math.ceil(earlyMs));
        this.#pending -= 1;
        if (!this.#over) this.#guard(action);
      }, delayMs);
      this.#timeouts.add(handle);
    };
    arm(Math.max(0, ms));
  }

  #soon(action: () => void): void {
    this.#pending += 1;
    queueMicrotask(() => {
      this.#pending -= 1;
      if (!this.#over) this.#guard(action);
    });
  }

  #guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Tracks an asynchronous broker operation as pending work; its failure fails the run. */
  #brokerOperation(what: string, operation: () => Promise<void>, then: () => void): void {
    this.#pending += 1;
    withTimeout(operation(), brokerOperationMsMax, `${this.#broker.name}: ${what}`).then(
      () => {
        this.#pending -= 1;
        if (!this.#over) this.#guard(then);
      },
      (error: unknown) => {
        this.#pending -= 1;
        this.fail(new RealRunError(`${this.#broker.name}: ${what} failed: ${errorMessage(error)}`));
      },
    );
  }

  #faultTarget(fault: Fault): Slot {
    switch (fault.kind) {
      case 'broker-kill':
      case 'broker-restart':
        return 'broker';
      case 'consumer-crash':
        return 'consumer';
      case 'producer-crash':
        return fault.producer ?? 'producer';
      case 'connection-drop':
        return fault.link ?? 'consumer';
      default:
        return unreachable(fault.kind);
    }
  }

  #strike(index: number): void {
    const fault = this.#scenario.faults[index] as Fault;
    const target = this.#faultTarget(fault);
    if (fault.kind === 'connection-drop') {
      const proxy = this.#proxies[target === 'broker' ? 'consumer' : target];
      if (proxy === undefined) throw new RealRunError(`scenario.faults[${index}]: no ${target} link in this run`);
      // As in the world: a drop with no live connection on the link is no fault at all.
      if (proxy.connections === 0) return;
      this.#record(index, fault, target);
      proxy.sever();
      return;
    }
    if (target === 'broker') {
      if (!this.#brokerUp) return;
      if (!this.#broker.controllable) throw new RealRunError(checkScenarioForTarget(this.#scenario, this.#broker) ?? `${fault.kind} against ${this.#broker.name}`);
      const struckMs = this.#record(index, fault, target);
      this.#brokerUp = false;
      const graceful = fault.kind === 'broker-restart';
      this.#brokerOperation(graceful ? 'graceful stop (SIGTERM)' : 'kill -9', () => (graceful ? this.#broker.stop() : this.#broker.kill()), () => {
        // The supervisor restarts it restartDelayMs after the fault, or once it is gone if that took longer.
        this.#later(struckMs + this.#config.timing.restartDelayMs - this.nowMs(), () => {
          this.#brokerOperation('restart', () => this.#broker.restart(), () => {
            this.#brokerUp = true;
            this.observe({ kind: 'restarted', node: 'broker' });
          });
        });
      });
      return;
    }
    const publisher = this.#publishers.find((candidate) => candidate.name === target);
    const client = target === 'consumer' ? this.#consumer : publisher?.client;
    if (client === undefined) throw new RealRunError(`scenario.faults[${index}]: no ${target} in this run`);
    if (!client.up) return;
    this.#record(index, fault, target);
    client.crash();
    publisher?.script.producerCrashed();
    this.#later(this.#config.timing.restartDelayMs, () => {
      this.observe({ kind: 'restarted', node: target });
      client.start(target === 'consumer' && this.#offlineDepth > 0);
      publisher?.script.producerRestarted();
    });
  }

  #record(index: number, fault: Fault, target: Slot): number {
    const atMs = this.nowMs();
    this.#faults.push({ index, kind: fault.kind, target, atMs });
    this.observe({ kind: 'fault', fault: fault.kind, node: target });
    return atMs;
  }
}
