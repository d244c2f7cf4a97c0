// Real-broker speed (DESIGN §6: at least 50 crash-and-restart scenarios per second against a
// local Mosquitto): random scenarios whose every fault is a crash with a restart — kill -9 or
// SIGTERM of the broker, a client crash — each run end to end as check-broker runs it (a
// Mosquitto of its own, proxies, the models over TCP, judged and compared with the model),
// several at once. Printed, never asserted.
import { performance } from 'node:perf_hooks';
import type { Config } from '../../models/config.ts';
import type { FaultKind } from '../../models/history.ts';
import { runBatch, warmUp } from './batch.ts';
import { cleanupAll } from './cleanup.ts';
import { realBoundsDefault, sampleRealCases, withLoopbackNetwork, type RealScenarioBounds } from './real-scenarios.ts';
import { tally } from './report.ts';
import type { TargetSpec } from './targets.ts';

export const crashKinds: readonly FaultKind[] = ['broker-kill', 'broker-restart', 'consumer-crash', 'producer-crash'];

export interface RealBenchOptions {
  readonly spec: TargetSpec;
  readonly config: Config;
  readonly scenarios: number;
  readonly seed: number;
  readonly parallel: number;
  readonly idleMs: number;
}

export interface RealBenchFigures {
  readonly target: string;
  readonly scenarios: number;
  readonly parallel: number;
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
}

/** The bench's workload: 1-3 messages, 1-2 crashes anchored to protocol events, short offline periods. */
export const benchBounds: RealScenarioBounds = { ...realBoundsDefault, faultKinds: crashKinds, faultsMin: 1, faultsMax: 2, startMs: 20, horizonMs: 50, offlineMsMax: 100 };

export async function benchReal(options: RealBenchOptions): Promise<RealBenchFigures> {
  const { spec, config } = options;
  const cases = sampleRealCases(benchBounds, options.scenarios, options.seed);
  try {
    await warmUp(spec, config);
    const startedMs = performance.now();
    const entries = await runBatch({
      spec,
      modelConfig: () => withLoopbackNetwork(config, {}),
      realConfig: () => config,
      cases,
      parallel: options.parallel,
      idleMs: options.idleMs,
      explainSeeds: 20,
    });
    const elapsedS = (performance.now() - startedMs) / 1000;
    const counts = tally(entries);
    let faultsStruck = 0;
    for (const entry of entries) if ('comparison' in entry) faultsStruck += entry.comparison.real.faults.length;
    return {
      target: spec.kind,
      scenarios: entries.length,
      parallel: options.parallel,
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
      `  model agreement    ${figures.agree} agree, ${figures.disagree} disagree, ${figures.errors} failed to run, ${figures.capHits} hit the cap`,
      `  settings           ${figures.parallel} at once, idle window ${figures.idleMs} ms, restartDelayMs ${figures.restartDelayMs}, reconnectDelayMs ${figures.reconnectDelayMs}`,
      `  elapsed            ${figures.elapsedS} s`,
    ].join('\n') + '\n'
  );
}
