// `mqtt-dst bench` (npm run bench): simulation speed on the standard workload, the blog preset
// with 10 messages and up to 3 faults of every kind. Figures are printed, never asserted.
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { caseArbitrary, defaultBounds, type ExploreBounds } from '../explore/arbitraries.ts';
import { simulate } from '../explore/evaluate.ts';
import { benchReal, benchRealText } from '../real/bench-real.ts';
import { benchExhaustiveCommand, benchExhaustiveHelp } from './bench-exhaustive.ts';
import { isMosquittoAvailable } from '../real/mosquitto.ts';
import { configFrom, parse, wholeNumber } from './options.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const benchHelp = `mqtt-dst bench [--scenarios N] [--seed N] [--preset NAME] [--set PATH=VALUE] [--json]
  simulated events/s and complete fault schedules/s (10 messages, <= 3 faults of every kind)
mqtt-dst bench --real [--scenarios N] [--parallel N] [--idle-ms N] [--seed N] [--preset NAME] [--set PATH=VALUE] [--json]
  crash-and-restart scenarios/s against a local Mosquitto, end to end as check-broker runs them
  (default 100 scenarios, 4 at once, idle window 50 ms, timing.restartDelayMs and reconnectDelayMs 20)
${benchExhaustiveHelp}`;

const options = {
  scenarios: { type: 'string' },
  seed: { type: 'string' },
  preset: { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  real: { type: 'boolean' },
  parallel: { type: 'string' },
  'idle-ms': { type: 'string' },
} as const;

export function benchCommand(args: readonly string[]): number | Promise<number> {
  if (args.includes('--exhaustive')) return benchExhaustiveCommand(args);
  const { values, positionals } = parse(args, options, 'bench');
  if (positionals.length > 0) throw new UsageError(`bench: unexpected argument '${positionals[0]}'`);
  if (values.real) return realBench(values);
  if (values.parallel !== undefined || values['idle-ms'] !== undefined) throw new UsageError('bench: --parallel and --idle-ms go with --real');
  const { config, preset } = configFrom(values.preset, values.set);
  const scenarios = wholeNumber(values.scenarios, '--scenarios', 20_000, 1);
  const seed = wholeNumber(values.seed, '--seed', 1);
  const bounds: ExploreBounds = { ...defaultBounds, messagesMin: 10, messagesMax: 10, faultsMax: 3 };
  const cases = fc.sample(caseArbitrary(bounds), { seed, numRuns: scenarios });
  // Warm-up so the figures measure compiled code, not the JIT's first passes.
  for (const explored of cases.slice(0, Math.min(2_000, cases.length))) simulate(config, explored);
  const startedMs = performance.now();
  let events = 0;
  let violating = 0;
  for (const explored of cases) {
    const evaluation = simulate(config, explored);
    events += evaluation.result.stats.events;
    if (evaluation.violations.length > 0) violating += 1;
  }
  const elapsedS = (performance.now() - startedMs) / 1000;
  const figures = {
    preset,
    scenarios,
    messagesPerScenario: 10,
    faultsMax: bounds.faultsMax,
    elapsedS: Number(elapsedS.toFixed(3)),
    scenariosPerS: Math.round(scenarios / elapsedS),
    eventsPerS: Math.round(events / elapsedS),
    eventsPerScenario: Number((events / scenarios).toFixed(1)),
    violatingScenarios: violating,
    heapUsedMb: Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } else {
    const number = (value: number) => value.toLocaleString('en-US');
    process.stdout.write(
      [
        `simulation bench: preset ${preset}, ${scenarios} scenarios of 10 messages with <= 3 faults, seed ${seed}`,
        `  scenarios/s        ${number(figures.scenariosPerS)}   (target >= 20,000)`,
        `  events/s           ${number(figures.eventsPerS)}   (target >= 2,000,000)`,
        `  events/scenario    ${figures.eventsPerScenario}`,
        `  violating          ${violating} of ${scenarios}`,
        `  elapsed            ${figures.elapsedS} s, heap used ${figures.heapUsedMb} MB`,
      ].join('\n') + '\n',
    );
  }
  return exitCodes.ok;
}

async function realBench(values: {
  readonly scenarios?: string | undefined;
  readonly seed?: string | undefined;
  readonly preset?: string | undefined;
  readonly set?: string[] | undefined;
  readonly json?: boolean | undefined;
  readonly parallel?: string | undefined;
  readonly 'idle-ms'?: string | undefined;
}): Promise<number> {
  // Short supervisor and reconnect delays, unless set: the bench measures the harness and the broker, not waiting.
  const sets = values.set ?? [];
  const defaults = ['timing.restartDelayMs=20', 'timing.reconnectDelayMs=20'].filter((d) => !sets.some((s) => s.startsWith(d.split('=')[0] as string)));
  const { config } = configFrom(values.preset, [...defaults, ...sets]);
  if (!isMosquittoAvailable()) {
    process.stderr.write('mqtt-dst bench --real: skipped, no mosquitto executable (Debian: apt-get install mosquitto)\n');
    return exitCodes.ok;
  }
  const seed = wholeNumber(values.seed, '--seed', 1);
  const figures = await benchReal({
    spec: { kind: 'mosquitto' },
    config,
    scenarios: wholeNumber(values.scenarios, '--scenarios', 100, 1),
    seed,
    parallel: wholeNumber(values.parallel, '--parallel', 4, 1),
    idleMs: wholeNumber(values['idle-ms'], '--idle-ms', 50, 1),
  });
  process.stdout.write(values.json ? `${JSON.stringify(figures)}\n` : benchRealText(figures, seed));
  return exitCodes.ok;
}
