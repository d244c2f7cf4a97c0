// `mqtt-dst bench` (npm run bench): simulation speed on the standard workload, the blog preset
// with 10 messages and up to 3 faults of every kind, beside a bare event loop (bench-timed.ts);
// --real and --exhaustive measure the other two engines. Figures are printed, never asserted.
import { benchBrokerOps, brokerOpsText } from '../real/bench-broker-ops.ts';
import { benchReal, benchRealText } from '../real/bench-real.ts';
import { cleanupAll } from '../real/cleanup.ts';
import { benchExhaustiveCommand, benchExhaustiveHelp } from './bench-exhaustive.ts';
import { bareLoopMissing, bareLoopPath, loadBareLoop, timedBench, timedBenchText, type TimedBenchOptions } from './bench-timed.ts';
import { isMosquittoAvailable } from '../real/mosquitto.ts';
import { configFrom, parse, wholeNumber } from './options.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const benchHelp = `mqtt-dst bench [--scenarios N] [--seed N] [--preset NAME] [--set PATH=VALUE] [--bare-loop PATH] [--json]
  simulated events/s and complete fault schedules/s (10 messages, <= 3 faults of every kind), beside
  a bare event loop of QoS 2 flows run in the same process (default ${bareLoopPath} from the
  repository's root; without it the bench says so and prints its own figures)
mqtt-dst bench --real [--scenarios N] [--parallel N] [--threads N] [--idle-ms N] [--seed N] [--preset NAME] [--set PATH=VALUE] [--json]
  crash-and-restart scenarios/s against a local Mosquitto, end to end as check-broker runs them,
  with CPU per scenario and where a scenario's time goes (default 100 scenarios, 4 at once in 1
  thread, at most 16 threads; idle window 50 ms, timing.restartDelayMs and reconnectDelayMs 20)
${benchExhaustiveHelp}`;

const options = {
  scenarios: { type: 'string' },
  seed: { type: 'string' },
  preset: { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  real: { type: 'boolean' },
  parallel: { type: 'string' },
  threads: { type: 'string' },
  'idle-ms': { type: 'string' },
  'bare-loop': { type: 'string' },
} as const;

export function benchCommand(args: readonly string[]): number | Promise<number> {
  if (args.includes('--exhaustive')) return benchExhaustiveCommand(args);
  const { values, positionals } = parse(args, options, 'bench');
  if (positionals.length > 0) throw new UsageError(`bench: unexpected argument '${positionals[0]}'`);
  if (values.real && values['bare-loop'] !== undefined) throw new UsageError('bench: --bare-loop goes without --real');
  if (values.real) return realBench(values);
  if (values.parallel !== undefined || values.threads !== undefined || values['idle-ms'] !== undefined) throw new UsageError('bench: --parallel, --threads and --idle-ms go with --real');
  const { config, preset } = configFrom(values.preset, values.set);
  const scenarios = wholeNumber(values.scenarios, '--scenarios', 20_000, 1);
  const seed = wholeNumber(values.seed, '--seed', 1);
  return simulationBench({ config, preset, scenarios, seed, bareLoopPath: values['bare-loop'] ?? bareLoopPath }, values.json === true);
}

async function simulationBench(options: Omit<TimedBenchOptions, 'bareLoop'> & { readonly bareLoopPath: string }, json: boolean): Promise<number> {
  const bareLoop = await loadBareLoop(options.bareLoopPath);
  if (bareLoop === null) process.stderr.write(bareLoopMissing(options.bareLoopPath));
  const figures = timedBench({ ...options, bareLoop });
  process.stdout.write(json ? `${JSON.stringify(figures)}\n` : timedBenchText(figures, options.seed));
  return exitCodes.ok;
}

async function realBench(values: {
  readonly scenarios?: string | undefined;
  readonly seed?: string | undefined;
  readonly preset?: string | undefined;
  readonly set?: string[] | undefined;
  readonly json?: boolean | undefined;
  readonly parallel?: string | undefined;
  readonly threads?: string | undefined;
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
    threads: wholeNumber(values.threads, '--threads', 1, 1, 16),
    idleMs: wholeNumber(values['idle-ms'], '--idle-ms', 50, 1),
  });
  // Where the time goes: each broker operation alone, after the scenarios (so they do not wait for it).
  const ops = await benchBrokerOps(config.broker, 9);
  await cleanupAll();
  process.stdout.write(values.json ? `${JSON.stringify({ ...figures, brokerOps: ops })}\n` : `${benchRealText(figures, seed)}broker operations alone (9 each):\n${brokerOpsText(ops)}`);
  return exitCodes.ok;
}
