// Random exploration: fast-check generates cases, every run is judged, and failures are kept
// going past (not stopped at), grouped into classes by signature. Each class is then shrunk,
// by replaying its first run through fast-check's seed + path and shrinking while the class's
// signature still shows, to a minimal case. Memory holds classes, never runs.
import fc from 'fast-check';
import type { Config } from '../../models/config.ts';
import { producersOf } from '../../models/scenario.ts';
import type { Violation } from '../../properties/types.ts';
import type { RunEnd } from '../sim/log.ts';
import { caseArbitrary, type ExploreBounds, type ExploreCase } from './arbitraries.ts';
import { evaluate } from './evaluate.ts';
import { RunTally } from './run-tally.ts';
import { slugOf, type Signature } from './signature.ts';

export interface ExploreOptions {
  readonly config: Config;
  readonly bounds: ExploreBounds;
  readonly runs: number;
  readonly seed: number;
  /** Bound on the runs one class's shrinking may spend; 0 keeps each class's first case as found. */
  readonly shrinkRunsMax?: number;
  readonly onProgress?: (progress: ExploreProgress) => void;
  /**
   * Asked before every run and every class's shrinking: once it says stop, the runs left are
   * skipped and the classes found so far are kept as first found (not shrunk), so that an
   * interrupted exploration still reports what it found.
   */
  readonly shouldStop?: () => boolean;
}

export interface ExploreProgress {
  readonly phase: 'explore' | 'shrink';
  readonly done: number;
  readonly total: number;
  readonly classes: number;
  readonly violatingRuns: number;
}

export interface CounterexampleClass {
  readonly id: string;
  readonly signature: Signature;
  /** Runs that showed this class. */
  readonly count: number;
  /** fast-check's path of the first run that showed it (replay with the same seed). */
  readonly firstPath: string;
  readonly minimal: ExploreCase;
  readonly violations: readonly Violation[];
}

export interface ExploreReport {
  /** Runs explored: all asked for, or fewer when shouldStop ended the exploration. */
  readonly runs: number;
  /** shouldStop ended it before every run asked for was explored or every class shrunk. */
  readonly interrupted: boolean;
  readonly violatingRuns: number;
  readonly violations: number;
  readonly ends: Readonly<Record<RunEnd, number>>;
  /** Runs cut by a bound (every end but quiescent): not judged, neither violations nor passes. */
  readonly inconclusive: number;
  readonly events: number;
  readonly classes: readonly CounterexampleClass[];
}

interface Found {
  readonly signature: Signature;
  count: number;
  readonly runIndex: number;
}

// Cheap: the shell decides how often a line is printed.
const progressEvery = 100;

export function explore(options: ExploreOptions): ExploreReport {
  const { config, bounds, runs, seed, onProgress } = options;
  const arbitrary = caseArbitrary(bounds, producersOf(config));
  const found = new Map<string, Found>();
  const tally = new RunTally();
  let runIndex = 0;
  let stopped = false;
  const stop = (): boolean => (stopped ||= options.shouldStop?.() === true);
  fc.check(
    fc.property(arbitrary, (explored) => {
      // Once stopped, "failing" ends fast-check's loop at once (endOnFailure: no shrinking); the
      // property holds for every case otherwise, so the option changes nothing else.
      if (stop()) return false;
      const evaluation = evaluate(config, explored);
      tally.add(evaluation);
      for (const signature of evaluation.signatures) {
        const known = found.get(signature.text);
        if (known) known.count += 1;
        else found.set(signature.text, { signature, count: 1, runIndex });
      }
      runIndex += 1;
      if (onProgress && runIndex % progressEvery === 0) {
        onProgress({ phase: 'explore', done: runIndex, total: runs, classes: found.size, violatingRuns: tally.violatingRuns });
      }
      return true;
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  // Simplest stories first: fewest faults, then in the order exploration met them.
  const ordered = [...found.values()].sort((a, b) => a.signature.culprits - b.signature.culprits || a.runIndex - b.runIndex);
  const classes = ordered.map((entry, index) => {
    onProgress?.({ phase: 'shrink', done: index, total: ordered.length, classes: found.size, violatingRuns: tally.violatingRuns });
    return shrinkClass(config, bounds, seed, entry, stop() ? 0 : (options.shrinkRunsMax ?? 4_000));
  });
  return { runs: runIndex, interrupted: stopped, violatingRuns: tally.violatingRuns, violations: tally.violations, ends: tally.ends, inconclusive: runIndex - tally.ends.quiescent, events: tally.events, classes };
}

function shrinkClass(config: Config, bounds: ExploreBounds, seed: number, entry: Found, shrinkRunsMax: number): CounterexampleClass {
  const target = entry.signature.text;
  let budget = shrinkRunsMax;
  let replayed = false;
  const path = String(entry.runIndex);
  const outcome = fc.check(
    fc.property(caseArbitrary(bounds, producersOf(config)), (explored) => {
      // The first call replays the run as found; after it, once the budget is spent every
      // candidate "passes", which ends shrinking where it stands.
      if (replayed) {
        if (budget <= 0) return true;
        budget -= 1;
      }
      replayed = true;
      return !evaluate(config, explored).signatures.some((signature) => signature.text === target);
    }),
    { seed, path, numRuns: 1 },
  );
  const minimal = outcome.counterexample?.[0];
  if (!outcome.failed || minimal === undefined) {
    throw new Error(`class '${target}' did not reproduce from seed ${seed} path ${path}: exploration is not deterministic`);
  }
  const normalized = withoutDeadAnchors(minimal);
  const violations = evaluate(config, normalized).violations;
  return {
    id: slugOf(target),
    signature: entry.signature,
    count: entry.count,
    firstPath: path,
    minimal: normalized,
    violations,
  };
}

/** Faults anchored to a message the scenario does not have never fire; the run is the same without them. */
function withoutDeadAnchors(explored: ExploreCase): ExploreCase {
  const count = explored.scenario.messages.length;
  const faults = explored.scenario.faults.filter((fault) => fault.when.kind !== 'event' || fault.when.message <= count);
  return { ...explored, scenario: { ...explored.scenario, faults } };
}
