// Real-broker speed (DESIGN §6: at least 50 crash-and-restart scenarios per second against a
// local Mosquitto): random scenarios whose every fault is a crash with a restart — kill -9 or
// SIGTERM of the broker, a client crash — each run end to end as check-broker runs it (a
// Mosquitto of its own, proxies, the models over TCP, judged and compared with the model),
// several at once, in one thread or several (bench-real-shard.ts). Printed, never asserted.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../models/config.ts';
import type { FaultKind } from '../../models/history.ts';
import type { BatchEntry } from './batch.ts';
import { emptyPhaseTotals, mergePhaseTotals, phasesText, type PhaseTotals } from './bench-phases.ts';
import { runShard, runShardsInWorkers, type ShardJob, type ShardResult } from './bench-real-shard.ts';
import { cleanupAll } from './cleanup.ts';
import { realBoundsDefault, sampleRealCases, type RealScenarioBounds } from './real-scenarios.ts';
import { tally } from './report.ts';
import type { TargetSpec } from './targets.ts';

export const crashKinds: readonly FaultKind[] = ['broker-kill', 'broker-restart', 'consumer-crash', 'producer-crash'];

export interface RealBenchOptions {
  readonly spec: TargetSpec;
  readonly config: Config;
  readonly scenarios: number;
  readonly seed: number;
  /** Scenarios at once, in all threads together. */
  readonly parallel: number;
  /** Threads the scenarios are shared among: 1 runs them in this one. */
  readonly threads: number;
  readonly idleMs: number;
}

export interface RealBenchFigures {
  readonly target: string;
  readonly scenarios: number;
  readonly parallel: number;
  readonly threads: number;
  readonly idleMs: number;
  readonly restartDelayMs: number;
  readonly reconnectDelayMs: number;
  readonly elapsedS: number;
  readonly scenariosPerS: number;
  readonly faultsStruck: number;
  readonly agree: number;
  readonly disagree: number;
  readonly errors: number;
  readonly capHits: number;
  /** Disagreements the model explains by a race (timing), cannot produce (semantics), or that ran late. */
  readonly timing: number;
  readonly semantics: number;
  readonly late: number;
  /** CPU time per scenario of this process (all its threads) and of its children (the brokers); undefined where /proc is not there. */
  readonly cpuMsPerScenario: number;
  readonly brokerCpuMsPerScenario: number | undefined;
  /** Brokers started, and scenarios that got one a scenario before had reset (broker-pool.ts). */
  readonly brokersStarted: number;
  readonly brokersReused: number;
  /** Where the scenarios' time went (bench-phases.ts). */
  readonly phases: PhaseTotals;
}

/** The bench's workload: 1-3 messages, 1-2 crashes anchored to protocol events, short offline periods. */
export const benchBounds: RealScenarioBounds = { ...realBoundsDefault, faultKinds: crashKinds, faultsMin: 1, faultsMax: 2, startMs: 20, horizonMs: 50, offlineMsMax: 100 };

/** `parallel` slots shared as evenly as possible among `threads` shards (each at least one). */
export function slotsPerShard(parallel: number, threads: number): number[] {
  const shards = Math.max(1, Math.min(threads, parallel));
  return Array.from({ length: shards }, (_, index) => Math.floor(parallel / shards) + (index < parallel % shards ? 1 : 0));
}

interface CpuMs {
  readonly selfMs: number;
  readonly childrenMs: number | undefined;
}

/**
 * CPU time so far: this process's, all threads (getrusage), and its reaped children's, the
 * brokers (cutime + cstime, fields 16 and 17 of /proc/self/stat, in clock ticks of 10 ms).
 * CPU time, unlike scenarios per second, does not depend much on what else the machine runs.
 */
function cpuNow(): CpuMs {
  const usage = process.cpuUsage();
  let childrenMs: number | undefined;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 3 (state) is index 0: cutime and cstime are fields 16 and 17.
    childrenMs = (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    childrenMs = undefined;
  }
  return { selfMs: (usage.user + usage.system) / 1000, childrenMs };
}

interface ShardsRun {
  readonly results: readonly ShardResult[];
  readonly elapsedMs: number;
  readonly cpu: CpuMs;
}

async function runShards(jobs: readonly ShardJob[]): Promise<ShardsRun> {
  const [only] = jobs;
  let started = { ms: 0, cpu: cpuNow() };
  const start = (): void => {
    started = { ms: performance.now(), cpu: cpuNow() };
  };
  const results = jobs.length > 1 || only === undefined ? await runShardsInWorkers(jobs, start) : [await runShard(only, async () => start())];
  const ended = cpuNow();
  const childrenMs = ended.childrenMs === undefined || started.cpu.childrenMs === undefined ? undefined : ended.childrenMs - started.cpu.childrenMs;
  return { results, elapsedMs: performance.now() - started.ms, cpu: { selfMs: ended.selfMs - started.cpu.selfMs, childrenMs } };
}

export async function benchReal(options: RealBenchOptions): Promise<RealBenchFigures> {
  const { spec, config } = options;
  const cases = sampleRealCases(benchBounds, options.scenarios, options.seed);
  const next = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const slots = slotsPerShard(Math.min(options.parallel, cases.length), options.threads);
  const jobs = slots.map((parallel): ShardJob => ({ spec, config, cases, parallel, idleMs: options.idleMs, next }));
  try {
    const { results, elapsedMs, cpu } = await runShards(jobs);
    const entries: BatchEntry[] = results.flatMap((result) => result.entries).sort((a, b) => a.index - b.index);
    const phases = emptyPhaseTotals();
    for (const result of results) mergePhaseTotals(phases, result.phases);
    const counts = tally(entries);
    let faultsStruck = 0;
    for (const entry of entries) if ('comparison' in entry) faultsStruck += entry.comparison.real.faults.length;
    const elapsedS = elapsedMs / 1000;
    return {
      target: spec.kind,
      scenarios: entries.length,
      parallel: slots.reduce((sum, each) => sum + each, 0),
      threads: slots.length,
      idleMs: options.idleMs,
      restartDelayMs: config.timing.restartDelayMs,
      reconnectDelayMs: config.timing.reconnectDelayMs,
      elapsedS: Number(elapsedS.toFixed(2)),
      scenariosPerS: Number((entries.length / elapsedS).toFixed(1)),
      faultsStruck,
      agree: counts.agree,
      disagree: counts.disagree,
      errors: counts.errors,
      capHits: counts.capHits,
      timing: counts.timing,
      semantics: counts.semantics,
      late: counts.late,
      cpuMsPerScenario: Number((cpu.selfMs / Math.max(1, entries.length)).toFixed(1)),
      brokerCpuMsPerScenario: cpu.childrenMs === undefined ? undefined : Number((cpu.childrenMs / Math.max(1, entries.length)).toFixed(1)),
      brokersStarted: results.reduce((sum, result) => sum + result.pool.started, 0),
      brokersReused: results.reduce((sum, result) => sum + result.pool.reused, 0),
      phases,
    };
  } finally {
    await cleanupAll();
  }
}

/** The bench's report, as `mqtt-dst bench --real` prints it. */
export function benchRealText(figures: RealBenchFigures, seed: number): string {
  return (
    [
      `real-broker bench: ${figures.target}, ${figures.scenarios} crash-and-restart scenarios (1-3 messages, 1-2 crashes each), seed ${seed}`,
      `  scenarios/s        ${figures.scenariosPerS}   (target >= 50)`,
      `  faults struck      ${figures.faultsStruck}`,
      `  model agreement    ${figures.agree} agree, ${figures.disagree} disagree (${figures.timing} timing, ${figures.semantics} semantics, ${figures.late} late), ${figures.errors} failed to run, ${figures.capHits} hit the cap`,
      `  CPU per scenario   ${figures.cpuMsPerScenario} ms in this process${figures.brokerCpuMsPerScenario === undefined ? '' : `, ${figures.brokerCpuMsPerScenario} ms in the brokers`}`,
      `  settings           ${figures.parallel} at once in ${figures.threads} thread(s), idle window ${figures.idleMs} ms, restartDelayMs ${figures.restartDelayMs}, reconnectDelayMs ${figures.reconnectDelayMs}`,
      `  brokers            ${figures.brokersStarted} started, ${figures.brokersReused} scenarios on one reset after the scenario before`,
      `  elapsed            ${figures.elapsedS} s`,
      `where a scenario's time went (mean per scenario; the slots ran ${figures.parallel} at once):`,
    ].join('\n') +
    '\n' +
    phasesText(figures.phases, figures.scenarios, figures.elapsedS * 1000 * figures.parallel)
  );
}
