// A batch of scenarios against a target, each on a broker of its own (so its autosave clock,
// like the model's, starts with the run) or on one the last scenario reset where no autosave
// can tell the two apart (broker-pool.ts), `parallel` at a time. A run that fails — the model
// rejected what the broker did, the broker died on its own — is an entry with its error; a
// broker that cannot be had at all ends the batch (BrokerUnavailableError).
import type { Config } from '../../models/config.ts';
import type { Scenario } from '../../models/scenario.ts';
import type { ExploreCase } from '../explore/arbitraries.ts';
import { errorMessage } from './bounded.ts';
import { checkScenario, type Comparison, type TargetOpener } from './differential.ts';
import type { RealRunOptions } from './run-real.ts';
import { BrokerPool, type PoolCounts } from './broker-pool.ts';
import { BrokerUnavailableError, type TargetSpec } from './targets.ts';

export type BatchEntry =
  | { readonly index: number; readonly case: ExploreCase; readonly comparison: Comparison }
  | { readonly index: number; readonly case: ExploreCase; readonly error: string };

export interface BatchOptions extends RealRunOptions {
  readonly spec: TargetSpec;
  /** The model's configuration for the index-th scenario (a swarm draws one per scenario). */
  readonly modelConfig: (index: number) => Config;
  /** The real side's configuration for the index-th scenario (an external broker needs fresh client ids per run). */
  readonly realConfig: (index: number) => Config;
  readonly cases: readonly ExploreCase[];
  /** Scenarios running at once, each with its own broker and proxies. Default 1. */
  readonly parallel?: number;
  readonly explainSeeds?: number;
  /** Wraps the batch's opener (its pool of brokers), e.g. to time each broker operation. */
  readonly open?: (pooled: TargetOpener) => TargetOpener;
  /** Told, once the batch is over, how many brokers it started and how many runs reused one. */
  readonly onPool?: (counts: PoolCounts) => void;
  /**
   * Hands out the index of the next case to run (default: this batch's own counter). Batches in
   * several threads that share one counter run each case once between them.
   */
  readonly claim?: () => number;
  /** Called as each scenario finishes (in completion order). */
  readonly onEntry?: (entry: BatchEntry) => void;
}

/** One scenario of a single message and no fault, run and thrown away: the first real run of a process pays for JIT and lazy loading. */
export const warmUpScenario: Scenario = { messages: [{ atMs: 0 }], offline: [], faults: [] };

export async function warmUp(spec: TargetSpec, config: Config, options: RealRunOptions = {}): Promise<void> {
  // The run's own idle window: a cold broker's first delivery can take tens of milliseconds,
  // and a shorter window would end the run before it (which reads as a broker that did nothing).
  await checkScenario(spec, { ...options, modelConfig: config, realConfig: config, scenario: warmUpScenario, modelSeed: 1, explainSeeds: 0 });
}

export async function runBatch(options: BatchOptions): Promise<BatchEntry[]> {
  // A batch's scenarios hand their brokers on (broker-pool.ts): a start costs as much as the
  // rest of a scenario's harness work, and no slot waits for a close.
  const pool = new BrokerPool();
  const entries: BatchEntry[] = [];
  let next = 0;
  const claim = options.claim ?? (() => next++);
  let unavailable: BrokerUnavailableError | undefined;
  const worker = async (): Promise<void> => {
    for (let index = claim(); unavailable === undefined && index < options.cases.length; index = claim()) {
      const explored = options.cases[index] as ExploreCase;
      let entry: BatchEntry;
      try {
        const comparison = await checkScenario(options.spec, {
          ...options,
          open: options.open?.(pool.open) ?? pool.open,
          modelConfig: options.modelConfig(index),
          realConfig: options.realConfig(index),
          scenario: explored.scenario,
          modelSeed: explored.seed,
        });
        entry = { index, case: explored, comparison };
      } catch (error) {
        if (error instanceof BrokerUnavailableError) {
          unavailable ??= error;
          return;
        }
        entry = { index, case: explored, error: errorMessage(error) };
      }
      entries.push(entry);
      options.onEntry?.(entry);
    }
  };
  const parallel = Math.max(1, Math.min(options.parallel ?? 1, options.cases.length));
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    await pool.closeAll();
    options.onPool?.(pool.counts);
  }
  if (unavailable !== undefined) throw unavailable;
  return entries.sort((a, b) => a.index - b.index);
}
