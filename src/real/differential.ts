// The differential verdict: one scenario on the model (runScenario with a seed) and on a real
// broker, judged by the same property functions, compared verdict by verdict — which property
// was violated for which message at which consumer. Timing differs between the two (the
// model's latencies are drawn from a seed, real ones are the machine's), so histories are not
// compared, only verdicts; anchored faults are what make those comparable.
//
// A disagreement is never hidden. To help explain it, the model is run again with other seeds:
// if some seed gives the real verdict, the model allows what the broker did and the two only
// raced differently ("timing"); if none does, the model cannot produce it ("semantics"), which
// is a model bug or a documented difference of the broker.
import type { BrokerConfig, Config } from '../../models/config.ts';
import type { HistoryEvent } from '../../models/history.ts';
import type { Scenario } from '../../models/scenario.ts';
import type { PropertyName, Violation } from '../../properties/types.ts';
import { setImmediate } from 'node:timers/promises';
import { judge } from '../check/judge.ts';
import { RandomChooser } from '../sim/chooser.ts';
import { runScenario } from '../sim/run.ts';
import type { RunEnd } from '../sim/log.ts';
import { discardSessions } from './session-reset.ts';
import { missingActivity } from './activity.ts';
import { RealRunError, runMsMax, runOnBroker, type RealFaultRecord, type RealRunEnd, type RealRunOptions, type RealRunResult } from './run-real.ts';
import { openTarget, type BrokerControl, type TargetSpec } from './targets.ts';

/** One verdict: `property` was violated for `message` at `consumer`. */
export interface VerdictKey {
  readonly property: PropertyName;
  readonly message: number;
  readonly consumer: string;
}

export interface ModelSide {
  readonly seed: number;
  readonly violations: readonly Violation[];
  readonly history: readonly HistoryEvent[];
  readonly end: RunEnd;
}

export interface RealSide {
  readonly target: string;
  readonly violations: readonly Violation[];
  readonly history: readonly HistoryEvent[];
  readonly faults: readonly RealFaultRecord[];
  readonly end: RealRunEnd;
  readonly elapsedMs: number;
  readonly links: RealRunResult['links'];
  /** The scenario as the real run ran it (src/real/as-run.ts). */
  readonly asRun: Scenario;
  /** How late the real clients' timers fired at worst (RealRunResult.lateMsMax). */
  readonly lateMsMax: number;
  /** The longest the broker took to answer a request or read a packet (RealRunResult.replyMsMax). */
  readonly replyMsMax: number;
  /** The longest the harness's event loop stalled during the run (RealRunResult.stallMsMax). */
  readonly stallMsMax: number;
}

export type Explanation =
  /** The model gives the real verdict with other seeds: the same possibilities, raced differently. */
  | {
      readonly kind: 'timing';
      readonly seeds: number;
      readonly reaching: number;
      readonly firstSeed: number;
      /** The model network (latency range) with which those seeds reach it. */
      readonly latencyMsMin: number;
      readonly latencyMsMax: number;
      /** Whether it took the scenario as the real run ran it (late publishes, offline periods, faults). */
      readonly asRun: boolean;
    }
  /** No seed of the model, with any of the networks tried, gives the real verdict. */
  | { readonly kind: 'semantics'; readonly seeds: number }
  /**
   * No seed gives it, but the real run was late beyond lateMsTolerated: a client's timer fired
   * lateMs after its time (its loop, handling and reconnect delays were not the model's), or the
   * broker answered a request or read a packet replyMs after it was written (so a fault anchored
   * near it struck a broker the model has further on), or the harness's own event
   * loop stalled stallMs (its proxies held every packet on its way that long). The run cannot
   * tell a rule from the machine's load. Inconclusive; rerun with fewer at once.
   */
  | { readonly kind: 'late'; readonly seeds: number; readonly lateMs: number; readonly replyMs: number; readonly stallMs: number };

/** The widest model network tried when explaining a disagreement: 0 to this many ms a packet. */
const widestLatencyMs = 5;

/**
 * Client timers on an idle machine fire within a millisecond or two of their time, and a broker
 * on loopback answers within one; on a busy machine within tens. A delay up to the widest
 * latency the model is tried with is a delay some model run has too; one beyond it is not, so a
 * run that late cannot tell a rule from the load. (It was 10 ms: a swarm on a loaded machine
 * found a producer loop 7 ms late and a broker answering 8.7 ms after the request, which moved
 * a consumer crash struck at a time to another message than in every model run.)
 */
export const lateMsTolerated = widestLatencyMs;

/**
 * Whether the run was late beyond the tolerance, measured: a client timer's lateness, the
 * broker's delay in answering or reading, or a stall of the event loop. This only ever turns a 'semantics' explanation into 'late'
 * (compareSteps), never an agreement or a timing, and only on a run where the harness was
 * measured late: a stall stops the embedded broker (aedes), the proxies and the clients
 * together, and the packets that arrived meanwhile are then handled in one burst, so the order
 * of the run's events was the machine's, not what any model latency allows. A rule the broker
 * has comes back on the rerun the report asks for, which such a stall does not.
 */
export function ranLate(real: Pick<RealSide, 'lateMsMax' | 'replyMsMax' | 'stallMsMax'>): boolean {
  return Math.max(real.lateMsMax, real.replyMsMax, real.stallMsMax) > lateMsTolerated;
}

export interface Comparison {
  readonly scenario: Scenario;
  readonly model: ModelSide;
  readonly real: RealSide;
  /** Both runs ended on their own and gave the same verdicts. */
  readonly agree: boolean;
  /**
   * A side was cut by a bound (the model's events or healing time, the real run's wall-clock
   * cap): its history stops mid-protocol, so neither agreement nor disagreement is supported
   * (DESIGN §3). Such a comparison is neither agree nor a disagreement, and has no explanation.
   */
  readonly inconclusive: boolean;
  /** Verdicts only the model has, and only the real broker has. */
  readonly onlyModel: readonly VerdictKey[];
  readonly onlyReal: readonly VerdictKey[];
  /** Present on disagreement. */
  readonly explanation?: Explanation;
}

export function verdictKeys(violations: readonly Violation[]): VerdictKey[] {
  const seen = new Map<string, VerdictKey>();
  for (const v of violations) seen.set(keyText(v), { property: v.property, message: v.message, consumer: v.consumer });
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, key]) => key);
}

function keyText(key: VerdictKey): string {
  return `${key.property}\u0000${String(key.message).padStart(6, '0')}\u0000${key.consumer}`;
}

function sameVerdicts(a: readonly VerdictKey[], b: readonly VerdictKey[]): boolean {
  return a.length === b.length && a.every((key, index) => keyText(key) === keyText(b[index] as VerdictKey));
}

export function runModel(config: Config, scenario: Scenario, seed: number): ModelSide {
  const result = runScenario(config, scenario, new RandomChooser(seed, false));
  return { seed, violations: judge(result.history, config), history: result.history, end: result.stats.end };
}

/** Seeds tried when explaining a disagreement. */
export const explainSeedsDefault = 200;

/**
 * The model's networks tried when explaining: the configured one, then loopback-like latencies
 * (a real broker on 127.0.0.1 answers in well under a millisecond, faster than most model
 * latencies), then a wide range.
 */
function explainNetworks(config: Config): Config['network'][] {
  const candidates = [config.network, { latencyMsMin: 0, latencyMsMax: 1 }, { latencyMsMin: 0, latencyMsMax: widestLatencyMs }];
  const seen = new Set<string>();
  return candidates.filter((network) => {
    const key = `${network.latencyMsMin}-${network.latencyMsMax}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Race or rule. The scenario as planned first, then, if the real run was late, as it really
 * ran (src/real/as-run.ts): a verdict the model gives for what the harness actually did, with
 * some seed and network, is a race the model allows; only one it gives for neither is a rule
 * the model does not have.
 */
export function explain(config: Config, scenario: Scenario, realKeys: readonly VerdictKey[], seeds = explainSeedsDefault, asRun?: AsRun): Explanation {
  return drain(explainSteps(config, scenario, realKeys, seeds, asRun));
}

/**
 * explain, one model run a step: the generator yields after each run, so that a caller serving
 * real runs at the same time (a batch with --parallel) can let its event loop turn between them
 * (drainYielding). An explanation is hundreds of synchronous model runs; done in one go it
 * stalls the embedded broker and the clients of every other scenario under way. The steps and
 * their result are the same either way: the model runs are pure (seeded), only when they run
 * changes.
 */
function* explainSteps(config: Config, scenario: Scenario, realKeys: readonly VerdictKey[], seeds: number, asRun?: AsRun): Generator<void, Explanation> {
  let tried = 0;
  const same = asRun === undefined || (asRun.restartDelayMs === undefined && JSON.stringify(asRun.scenario) === JSON.stringify(scenario));
  const variants = same ? [scenario] : [scenario, asRun.scenario];
  for (const [index, variant] of variants.entries()) {
    // As run, the broker also came back when it really did: a SIGTERM'd Mosquitto exits only
    // at its next socket event or 100 ms tick, then takes tens of milliseconds to start.
    const restart = index > 0 && asRun?.restartDelayMs !== undefined ? { ...config.timing, brokerRestartDelayMs: asRun.restartDelayMs } : config.timing;
    for (const network of explainNetworks(config)) {
      const reached = yield* seedsReaching({ ...config, network, timing: restart }, variant, realKeys, seeds);
      tried += seeds;
      if (reached.reaching > 0) return { kind: 'timing', seeds, ...reached, latencyMsMin: network.latencyMsMin, latencyMsMax: network.latencyMsMax, asRun: index > 0 };
    }
  }
  return { kind: 'semantics', seeds: tried };
}

function* seedsReaching(config: Config, scenario: Scenario, realKeys: readonly VerdictKey[], seeds: number): Generator<void, { reaching: number; firstSeed: number }> {
  let reaching = 0;
  let firstSeed = -1;
  for (let seed = 1; seed <= seeds; seed++) {
    const keys = verdictKeys(runModel(config, scenario, seed).violations);
    yield;
    if (sameVerdicts(keys, realKeys)) {
      reaching += 1;
      if (firstSeed < 0) firstSeed = seed;
    }
  }
  return { reaching, firstSeed };
}

/** The scenario as the real run ran it, and, when the broker crashed once, how long it really took to come back. */
export interface AsRun {
  readonly scenario: Scenario;
  readonly restartDelayMs?: number;
}

export function asRunOf(real: Pick<RealSide, 'faults' | 'history' | 'asRun'>): AsRun {
  // The broker's own restart time (timing.brokerRestartDelayMs), whatever the clients did: they
  // restart on the harness's timer, the broker after its start-up too. Once only: two broker
  // crashes took two times, and one figure cannot stand for both.
  const crashes = real.faults.filter((fault) => fault.target === 'broker');
  if (crashes.length !== 1) return { scenario: real.asRun };
  const struck = crashes[0] as RealSide['faults'][number];
  const back = real.history.find((event) => event.kind === 'restarted' && event.node === 'broker' && event.atMs >= struck.atMs);
  return back === undefined ? { scenario: real.asRun } : { scenario: real.asRun, restartDelayMs: Math.round(back.atMs - struck.atMs) };
}

/** Runs a step generator to its end at once. */
function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** Runs a step generator to its end, letting the event loop turn (timers, sockets) between steps. */
async function drainYielding<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await setImmediate();
  }
}

export function compare(config: Config, scenario: Scenario, model: ModelSide, real: RealSide, explainSeeds = explainSeedsDefault): Comparison {
  return drain(compareSteps(config, scenario, model, real, explainSeeds));
}

/** compare, letting the event loop turn between the explanation's model runs; the same result. */
export function compareYielding(config: Config, scenario: Scenario, model: ModelSide, real: RealSide, explainSeeds = explainSeedsDefault): Promise<Comparison> {
  return drainYielding(compareSteps(config, scenario, model, real, explainSeeds));
}

function* compareSteps(config: Config, scenario: Scenario, model: ModelSide, real: RealSide, explainSeeds: number): Generator<void, Comparison> {
  const modelKeys = verdictKeys(model.violations);
  const realKeys = verdictKeys(real.violations);
  const realTexts = new Set(realKeys.map(keyText));
  const modelTexts = new Set(modelKeys.map(keyText));
  const onlyModel = modelKeys.filter((key) => !realTexts.has(keyText(key)));
  const onlyReal = realKeys.filter((key) => !modelTexts.has(keyText(key)));
  const inconclusive = model.end !== 'quiescent' || real.end !== 'quiescent';
  const agree = !inconclusive && onlyModel.length === 0 && onlyReal.length === 0;
  const base = { scenario, model, real, agree, inconclusive, onlyModel, onlyReal };
  if (agree || inconclusive) return base;
  const explanation = yield* explainSteps(config, scenario, realKeys, explainSeeds, asRunOf(real));
  if (explanation.kind === 'semantics' && ranLate(real)) {
    const late = { lateMs: real.lateMsMax, replyMs: real.replyMsMax, stallMs: real.stallMsMax };
    return { ...base, explanation: { kind: 'late', seeds: explanation.seeds, ...late } };
  }
  return { ...base, explanation };
}

/** How a scenario gets its broker for a run of at most runMsMax: openTarget, or a pool or timing wrapper around it. */
export type TargetOpener = (spec: TargetSpec, broker: BrokerConfig, runMsMax: number) => Promise<BrokerControl>;

export interface CheckOptions extends RealRunOptions {
  /** The configuration the model runs with (for aedes: the broker settings as aedes behaves, see modelConfigFor). */
  readonly modelConfig: Config;
  /** The configuration the real clients and the broker get. */
  readonly realConfig: Config;
  readonly scenario: Scenario;
  readonly modelSeed: number;
  readonly explainSeeds?: number;
  /** Opens the target for this scenario (default openTarget): a pool of brokers, or one whose operations are timed. */
  readonly open?: TargetOpener;
}

/** Starts the target for this scenario alone, runs both sides and compares; the broker is closed whatever happens. */
export async function checkScenario(spec: TargetSpec, options: CheckOptions): Promise<Comparison> {
  const model = runModel(options.modelConfig, options.scenario, options.modelSeed);
  const broker = await (options.open ?? openTarget)(spec, options.realConfig.broker, runMsMax(options.scenario, options));
  let real: RealSide;
  try {
    real = await realSide(broker, options);
  } finally {
    await broker.close();
  }
  const missing = missingActivity(model.history, real.history, real.faults, broker.name, options.scenario.offline.length > 0);
  if (missing !== undefined) throw new RealRunError(missing);
  // Explained a model run at a time, the event loop turning between them: another scenario's
  // real run may be under way in this process (runBatch with parallel > 1).
  return compareYielding(options.modelConfig, options.scenario, model, real, options.explainSeeds);
}

async function realSide(broker: BrokerControl, options: CheckOptions): Promise<RealSide> {
  const { realConfig, scenario } = options;
  try {
    const result = await runOnBroker(realConfig, scenario, broker, options);
    return {
      target: broker.name,
      violations: judge(result.history, realConfig),
      history: result.history,
      faults: result.faults,
      end: result.end,
      elapsedMs: result.elapsedMs,
      links: result.links,
      asRun: result.asRun,
      lateMsMax: result.lateMsMax,
      replyMsMax: result.replyMsMax,
      stallMsMax: result.stallMsMax,
    };
  } finally {
    // An external broker outlives the run: leave no persistent session of ours behind on it.
    if (!broker.controllable) {
      const producers = realConfig.producers === 2 ? [realConfig.producer, realConfig.producer2] : [realConfig.producer];
      await discardSessions(broker, [...producers.map((producer) => producer.client_id), realConfig.consumer.client_id]);
    }
  }
}
