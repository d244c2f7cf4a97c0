// Where a real scenario's time goes, for `bench --real`: the broker's operations timed as they
// happen (a BrokerControl that times the one it wraps), and the run's own stretches read from its
// history — until the consumer's SUBACK, the flows up to the last event, then the idle window
// that decides quiescence. What the slots spent beyond those (the model run, judging, comparing,
// proxies, client shutdown) is what remains of their time.
import { performance } from 'node:perf_hooks';
import type { BrokerConfig } from '../../models/config.ts';
import type { RealSide, TargetOpener } from './differential.ts';
import { WrappedControl, type BrokerControl, type TargetSpec } from './targets.ts';

export type BrokerPhase = 'start' | 'kill -9' | 'stop (SIGTERM)' | 'restart' | 'close';
export type RunPhase = 'to SUBACK' | 'flows' | 'idle window';
export type ScenarioPhase = BrokerPhase | RunPhase;

/** Milliseconds spent and times each phase happened, summed over scenarios (plain data: it crosses threads). */
export type PhaseTotals = Record<ScenarioPhase, { ms: number; count: number }>;

const phases: readonly ScenarioPhase[] = ['start', 'to SUBACK', 'flows', 'kill -9', 'stop (SIGTERM)', 'restart', 'idle window', 'close'];
/** Phases that happen inside the run's flows: shown as part of them, not beside them. */
const withinFlows: ReadonlySet<ScenarioPhase> = new Set(['kill -9', 'stop (SIGTERM)', 'restart']);
/** Phases no slot waits for: a batch closes its brokers in the background (batch.ts). */
const offSlots: ReadonlySet<ScenarioPhase> = new Set(['close']);

export function emptyPhaseTotals(): PhaseTotals {
  return Object.fromEntries(phases.map((phase) => [phase, { ms: 0, count: 0 }])) as PhaseTotals;
}

export function addPhase(totals: PhaseTotals, phase: ScenarioPhase, ms: number): void {
  totals[phase].ms += ms;
  totals[phase].count += 1;
}

export function mergePhaseTotals(into: PhaseTotals, from: PhaseTotals): void {
  for (const phase of phases) {
    into[phase].ms += from[phase].ms;
    into[phase].count += from[phase].count;
  }
}

/** The run's stretches on its own clock: its first SUBACK, its last event, its end. */
export function addRunPhases(totals: PhaseTotals, real: Pick<RealSide, 'history' | 'elapsedMs'>): void {
  const subscribedMs = real.history.find((event) => event.kind === 'subscribed')?.atMs ?? 0;
  const lastMs = real.history[real.history.length - 1]?.atMs ?? 0;
  addPhase(totals, 'to SUBACK', subscribedMs);
  addPhase(totals, 'flows', lastMs - subscribedMs);
  addPhase(totals, 'idle window', real.elapsedMs - lastMs);
}

async function timed<T>(totals: PhaseTotals, phase: BrokerPhase, action: () => Promise<T>): Promise<T> {
  const startedMs = performance.now();
  try {
    return await action();
  } finally {
    addPhase(totals, phase, performance.now() - startedMs);
  }
}

/** The broker as the run sees it, each operation timed into `totals`. */
class TimedControl extends WrappedControl {
  constructor(
    inner: BrokerControl,
    private readonly totals: PhaseTotals,
  ) {
    super(inner);
  }
  override kill(): Promise<void> {
    return timed(this.totals, 'kill -9', () => this.inner.kill());
  }
  override stop(): Promise<void> {
    return timed(this.totals, 'stop (SIGTERM)', () => this.inner.stop());
  }
  override restart(): Promise<void> {
    return timed(this.totals, 'restart', () => this.inner.restart());
  }
  override close(): Promise<void> {
    return timed(this.totals, 'close', () => this.inner.close());
  }
}

/** An opener whose brokers time their start and every operation into `totals`. */
export function timedOpener(open: TargetOpener, totals: PhaseTotals): TargetOpener {
  return async (spec: TargetSpec, broker: BrokerConfig, runMsMax: number): Promise<BrokerControl> => new TimedControl(await timed(totals, 'start', () => open(spec, broker, runMsMax)), totals);
}

/**
 * Per scenario: the mean of each phase and how often it happened, then what the slots spent
 * beyond them (`slotMs`: the time all slots were open, i.e. slots x elapsed).
 */
export function phasesText(totals: PhaseTotals, scenarios: number, slotMs: number): string {
  const perScenario = (ms: number) => (ms / Math.max(1, scenarios)).toFixed(1).padStart(6);
  let accountedMs = 0;
  const lines = phases.map((phase) => {
    const { ms, count } = totals[phase];
    if (!withinFlows.has(phase) && !offSlots.has(phase)) accountedMs += ms;
    const each = count === 0 ? '' : `, ${(count / Math.max(1, scenarios)).toFixed(2)} a scenario of ${(ms / count).toFixed(1)} ms`;
    const label = withinFlows.has(phase) ? `  of which ${phase.padEnd(14)}` : (offSlots.has(phase) ? `${phase} (background)` : phase).padEnd(24);
    return `  ${label} ${perScenario(ms)} ms${each}`;
  });
  lines.push(`  ${'model, judging, proxies'.padEnd(24)} ${perScenario(slotMs - accountedMs)} ms (the rest of the slots' time)`);
  return `${lines.join('\n')}\n`;
}
