// `mqtt-dst bench` (npm run bench), its timed part: how fast the simulator runs complete fault
// schedules, beside a bare event loop of the same QoS 2 flows measured in the same process.
//
// What is timed and what is counted: the scenarios are generated first (fast-check, not timed);
// each is then run to its end (quiescence or a bound) and judged against every property — the
// work one exploration run does, less classifying a violation. Events are the events the world
// dispatched (packet arrivals, timers, link-ups, hang-ups, publishes, faults, restarts); the
// bare loop counts its own (six per message). Both are timed by this process's CPU time (user and
// system), so other load on a shared machine does not count. The bare loop runs its own standard
// workload (ceiling()'s defaults, what `node ceiling.mjs` runs: 20,000 ten-message schedules)
// before and after the simulator, and its figure is the two together. Figures are printed, never
// asserted.
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../models/config.ts';
import { judge } from '../check/judge.ts';
import { caseArbitrary, defaultBounds, type ExploreBounds, type ExploreCase } from '../explore/arbitraries.ts';
import { simulate } from '../explore/evaluate.ts';
import { RandomChooser } from '../sim/chooser.ts';
import { runScenario } from '../sim/run.ts';

/** The bare loop, kept beside the repository (never in it): this path is from the repository's root. */
export const bareLoopPath = '../shared/bench/ceiling.mjs';
const repositoryRoot = new URL('../../', import.meta.url);

interface BareLoopFigures {
  readonly eventsPerS: number;
  readonly schedulesPerS: number;
}
export type BareLoop = (options: { readonly schedules: number; readonly messages: number }) => BareLoopFigures;

export const benchMessages = 10;
export const benchFaultsMax = 3;
/** The bare loop's own default run (ceiling.mjs): rates from shorter runs come out higher. */
const bareSchedules = 20_000;

export interface TimedBenchFigures {
  readonly preset: string;
  readonly scenarios: number;
  readonly messagesPerScenario: number;
  readonly faultsMax: number;
  readonly generationS: number;
  /** CPU time of the scenarios, which every rate divides by; wall-clock time beside it. */
  readonly cpuS: number;
  readonly wallS: number;
  /** The judge's share of that time, the rest is the simulator's. */
  readonly judgingPercent: number;
  readonly scenariosPerS: number;
  readonly eventsPerS: number;
  readonly eventsPerScenario: number;
  readonly violatingScenarios: number;
  readonly heapUsedMb: number;
  /** The bare loop, run before and after, or null when its file is missing (see bareLoopMissing). */
  readonly bareLoop: (BareLoopFigures & { readonly path: string }) | null;
  /** eventsPerS over the bare loop's events/s, in per cent. */
  readonly percentOfBareLoop: number | null;
}

/** The bare loop's ceiling() from `path` (from the repository's root), or null when there is none. */
export async function loadBareLoop(path: string): Promise<BareLoop | null> {
  try {
    const module = (await import(new URL(path, repositoryRoot).href)) as { readonly ceiling?: unknown };
    return typeof module.ceiling === 'function' ? (module.ceiling as BareLoop) : null;
  } catch {
    return null;
  }
}

export function bareLoopMissing(path: string): string {
  return `bench: no bare event loop (a module exporting ceiling()) at ${path} from the repository's root, so no ratio; the simulator's own figures follow\n`;
}

/** Seconds of CPU this process has used (every thread: the collector's helpers count too). */
function cpuS(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

interface Tally {
  cpuS: number;
  wallS: number;
  /** Wall-clock time in the simulator and in the judge, which split cpuS between them. */
  simulationS: number;
  judgingS: number;
  events: number;
  violating: number;
}

function runScenarios(config: Config, cases: readonly ExploreCase[], tally: Tally): void {
  const cpuStartS = cpuS();
  const wallStartMs = performance.now();
  for (const explored of cases) {
    const startedMs = performance.now();
    const result = runScenario(config, explored.scenario, new RandomChooser(explored.seed, false));
    const simulatedMs = performance.now();
    const violations = judge(result.history, config);
    tally.simulationS += (simulatedMs - startedMs) / 1000;
    tally.judgingS += (performance.now() - simulatedMs) / 1000;
    tally.events += result.stats.events;
    if (violations.length > 0) tally.violating += 1;
  }
  tally.cpuS += cpuS() - cpuStartS;
  tally.wallS += (performance.now() - wallStartMs) / 1000;
}

interface BareTally {
  cpuS: number;
  events: number;
  schedules: number;
}

function runBareLoop(bareLoop: BareLoop, tally: BareTally): void {
  const cpuStartS = cpuS();
  const figures = bareLoop({ schedules: bareSchedules, messages: benchMessages });
  tally.cpuS += cpuS() - cpuStartS;
  // The loop reports rates over its own wall clock; its event count is rate × that time.
  tally.events += Math.round((figures.eventsPerS * bareSchedules) / figures.schedulesPerS);
  tally.schedules += bareSchedules;
}

export interface TimedBenchOptions {
  readonly config: Config;
  readonly preset: string;
  readonly scenarios: number;
  readonly seed: number;
  /** Where the bare loop came from, from the repository's root (default bareLoopPath). */
  readonly bareLoopPath: string;
  readonly bareLoop: BareLoop | null;
}

export function timedBench(options: TimedBenchOptions): TimedBenchFigures {
  const { config, preset, scenarios, seed, bareLoop } = options;
  const bounds: ExploreBounds = { ...defaultBounds, messagesMin: benchMessages, messagesMax: benchMessages, faultsMax: benchFaultsMax };
  const generatedMs = performance.now();
  const cases = fc.sample(caseArbitrary(bounds), { seed, numRuns: scenarios });
  const generationS = (performance.now() - generatedMs) / 1000;
  // Warm-up, so that the figures measure compiled code, not the JIT's first passes.
  for (const explored of cases.slice(0, Math.min(2_000, cases.length))) simulate(config, explored);
  const tally: Tally = { cpuS: 0, wallS: 0, simulationS: 0, judgingS: 0, events: 0, violating: 0 };
  const bareTally: BareTally = { cpuS: 0, events: 0, schedules: 0 };
  if (bareLoop !== null) runBareLoop(bareLoop, bareTally);
  runScenarios(config, cases, tally);
  if (bareLoop !== null) runBareLoop(bareLoop, bareTally);
  const eventsPerS = Math.round(tally.events / tally.cpuS);
  const bare =
    bareLoop === null
      ? null
      : {
          eventsPerS: Math.round(bareTally.events / bareTally.cpuS),
          schedulesPerS: Math.round(bareTally.schedules / bareTally.cpuS),
          path: options.bareLoopPath,
        };
  const judgingShare = tally.judgingS / (tally.simulationS + tally.judgingS);
  return {
    preset,
    scenarios,
    messagesPerScenario: benchMessages,
    faultsMax: benchFaultsMax,
    generationS: round3(generationS),
    cpuS: round3(tally.cpuS),
    wallS: round3(tally.wallS),
    judgingPercent: Number((100 * judgingShare).toFixed(1)),
    scenariosPerS: Math.round(scenarios / tally.cpuS),
    eventsPerS,
    eventsPerScenario: Number((tally.events / scenarios).toFixed(1)),
    violatingScenarios: tally.violating,
    heapUsedMb: Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)),
    bareLoop: bare,
    percentOfBareLoop: bare === null ? null : Number(((100 * eventsPerS) / bare.eventsPerS).toFixed(1)),
  };
}

function round3(value: number): number {
  return Number(value.toFixed(3));
}

export function timedBenchText(figures: TimedBenchFigures, seed: number): string {
  const number = (value: number) => value.toLocaleString('en-US');
  const { bareLoop, percentOfBareLoop } = figures;
  const lines = [
    `simulation bench: preset ${figures.preset}, ${number(figures.scenarios)} scenarios of ${figures.messagesPerScenario} messages with <= ${figures.faultsMax} faults, seed ${seed}`,
    `  (generated beforehand in ${figures.generationS} s, not timed; each scenario run to its end and judged against every property)`,
    `  scenarios/s        ${number(figures.scenariosPerS)}   (target >= 20,000; rates are per second of this process's CPU time)`,
    `  events/s           ${number(figures.eventsPerS)}${bareLoop === null ? '' : `   = ${percentOfBareLoop} % of the bare loop (target >= 25 %)`}`,
  ];
  if (bareLoop !== null) {
    lines.push(`  bare QoS 2 loop    ${number(bareLoop.eventsPerS)} events/s, ${number(bareLoop.schedulesPerS)} schedules/s (${bareLoop.path}, run before and after)`);
  }
  lines.push(
    `  events/scenario    ${figures.eventsPerScenario}`,
    `  time               ${figures.cpuS} s CPU (${figures.wallS} s wall clock), ${figures.judgingPercent} % of it judging`,
    `  violating          ${number(figures.violatingScenarios)} of ${number(figures.scenarios)}`,
    `  heap used          ${figures.heapUsedMb} MB`,
  );
  return `${lines.join('\n')}\n`;
}
