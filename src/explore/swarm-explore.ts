// explore --swarm: random exploration where each run draws its configuration too (swarm.ts), so
// one exploration covers the ranges users configure. Classes are grouped by signature as explore
// groups them; each keeps the smallest case found for it (fewest messages, then faults), with the
// configuration it ran, rather than a shrunk one: shrinking moves through one configuration only.
import type { Overrides } from '../../models/presets.ts';
import { evaluate } from './evaluate.ts';
import type { CounterexampleClass, ExploreProgress, ExploreReport } from './explore.ts';
import { RunTally } from './run-tally.ts';
import { slugOf, type Signature } from './signature.ts';
import { sampleSwarm, type SwarmBounds, type SwarmCase } from './swarm.ts';

export interface SwarmExploreOptions {
  readonly preset: string;
  /** The user's --set: pinned dimensions. */
  readonly base: Overrides;
  readonly bounds: SwarmBounds;
  readonly runs: number;
  readonly seed: number;
  readonly onProgress?: (progress: ExploreProgress) => void;
}

interface Found {
  readonly signature: Signature;
  count: number;
  readonly runIndex: number;
  smallest: SwarmCase;
}

function size(explored: SwarmCase): number {
  return explored.scenario.messages.length * 100 + explored.scenario.faults.length;
}

const progressEvery = 500;

export function exploreSwarm(options: SwarmExploreOptions): ExploreReport {
  const { runs, onProgress } = options;
  const cases = sampleSwarm(options.preset, options.base, options.bounds, runs, options.seed);
  const found = new Map<string, Found>();
  const tally = new RunTally();
  cases.forEach((explored, runIndex) => {
    const evaluation = evaluate(explored.config, explored);
    tally.add(evaluation);
    for (const signature of evaluation.signatures) {
      const known = found.get(signature.text);
      if (known === undefined) found.set(signature.text, { signature, count: 1, runIndex, smallest: explored });
      else {
        known.count += 1;
        if (size(explored) < size(known.smallest)) known.smallest = explored;
      }
    }
    if (onProgress && (runIndex + 1) % progressEvery === 0) {
      onProgress({ phase: 'explore', done: runIndex + 1, total: runs, classes: found.size, violatingRuns: tally.violatingRuns });
    }
  });
  const ordered = [...found.values()].sort((a, b) => a.signature.culprits - b.signature.culprits || a.runIndex - b.runIndex);
  const classes = ordered.map((entry): CounterexampleClass => ({
    id: slugOf(entry.signature.text),
    signature: entry.signature,
    count: entry.count,
    firstPath: String(entry.runIndex),
    minimal: entry.smallest,
    violations: evaluate(entry.smallest.config, entry.smallest).violations,
  }));
  // Runs cut by a bound were not judged (evaluate.ts); they are counted apart. A swarm runs in this
  // thread and is not interrupted (explore-thread.ts is for the plain exploration).
  return { runs, interrupted: false, violatingRuns: tally.violatingRuns, violations: tally.violations, ends: tally.ends, inconclusive: runs - tally.ends.quiescent, events: tally.events, classes };
}

/** The configuration a class's case ran with, when a swarm drew it. */
export function swarmCaseOf(entry: CounterexampleClass): SwarmCase | undefined {
  return 'overrides' in entry.minimal && 'config' in entry.minimal ? (entry.minimal as SwarmCase) : undefined;
}
