// The but-for test of explore/culprit.ts for a path the exhaustive search found: which of the
// faults that struck before a violation was decided does the violation need? Run the same path
// without the fault and see whether the violation goes away. "The same path" is the sequence of
// steps by name (optionKey: which packet between which nodes, which timer, which fault — no
// connection or sequence numbers, which shift once a fault is gone): each step is taken if an
// option of that name is enabled and skipped if not (the restart of a node that no longer
// crashed, a packet of a connection that was never cut), and once the path is used up the run
// goes on to quiescence taking the earliest enabled event, as the timed world would.
// Only a violation with several suspect faults asks for a counterfactual; one suspect is the
// culprit, none means no fault. The caveat: a counterfactual reads the path, not the state, so
// when several paths lead to one state the culprits are those of the first (shortest) path the
// search found. A sharded search finds each state by the shortest path within its shard, so a
// shard may name culprits from a longer path than the whole search would, and the merged class
// list may then differ from the unsharded one for multi-fault stories (never for stories of
// one fault or none). The bounds tested so far show no such difference.
import type { Config } from '../../models/config.ts';
import type { Scenario } from '../../models/scenario.ts';
import type { Violation } from '../../properties/types.ts';
import { judge } from './judge.ts';
import type { Chooser } from '../sim/chooser.ts';
import { ExhaustiveWorld, type StepOption } from '../sim/exhaustive-world.ts';
import { byTimeThenSeq } from '../sim/option-order.ts';
import { nodesFor } from '../sim/run.ts';
import type { FaultRecord } from '../sim/world.ts';
import type { CulpritPicker } from '../explore/signature.ts';

/**
 * Steps a counterfactual run may take before it must be quiescent: far beyond any run the search
 * can find (its paths are a few hundred steps); a bound so that a runaway is a reported error,
 * the same for the search and for a replayed trace, so both see the same culprits.
 */
export const counterfactualStepsMax = 10_000;

const noChooser: Chooser = {
  choose() {
    throw new Error('a counterfactual run is driven by its path, not a chooser');
  },
};

/** The violations of `path` (option keys) without its step `skip`, run to quiescence within `stepsMax` steps. */
export function violationsWithout(config: Config, scenario: Scenario, path: readonly string[], skip: number, stepsMax: number): Violation[] {
  const world = new ExhaustiveWorld(config, scenario, nodesFor(config), noChooser);
  world.begin();
  let steps = 0;
  for (let i = 0; i < path.length; i += 1) {
    if (i === skip) continue;
    const option = world.options().find((candidate) => candidate.kind !== 'end' && world.optionKey(candidate) === path[i]);
    if (option === undefined) continue;
    world.take(option);
    steps += 1;
  }
  while (!world.quiescent) {
    // The earliest event, as the timed world would take it.
    let next: StepOption | undefined;
    for (const candidate of world.options()) {
      if (candidate.kind === 'event' && (next?.kind !== 'event' || byTimeThenSeq(candidate.event, next.event) < 0)) next = candidate;
    }
    if (next === undefined) break;
    if (steps >= stepsMax) throw new Error(`a counterfactual run did not come to rest within ${stepsMax} steps: ${path.join(' | ')}`);
    world.take(next);
    steps += 1;
  }
  return judge(world.view().history, config);
}

/** A path as its steps' keys (optionKey), and the step index of each injected fault in order. */
export interface KeyedPath {
  readonly keys: readonly string[];
  /** faultSteps[i]: the step of the i-th injected fault (FaultRecord.index). */
  readonly faultSteps: readonly number[];
}

/**
 * explore/culprit.ts's rule over counterfactual runs: the culprits are the suspects whose
 * absence makes the violation go away; if none is necessary alone, the latest suspect stands.
 * The path is asked for only if a violation has several suspects.
 */
export function exhaustiveButFor(config: Config, scenario: Scenario, pathOf: () => KeyedPath, stepsMax = counterfactualStepsMax): CulpritPicker {
  const cache = new Map<number, readonly Violation[]>();
  let path: KeyedPath | undefined;
  const without = (fault: FaultRecord): readonly Violation[] => {
    const cached = cache.get(fault.index);
    if (cached) return cached;
    path ??= pathOf();
    const step = path.faultSteps[fault.index];
    if (step === undefined) throw new Error(`fault #${fault.index} has no step on the path`);
    const violations = violationsWithout(config, scenario, path.keys, step, stepsMax);
    cache.set(fault.index, violations);
    return violations;
  };
  return (violation, suspects) => {
    if (suspects.length <= 1) return suspects;
    const necessary = suspects.filter(
      (suspect) =>
        !without(suspect).some(
          (other) => other.property === violation.property && other.message === violation.message && other.consumer === violation.consumer,
        ),
    );
    return necessary.length > 0 ? necessary : suspects.slice(-1);
  };
}

/** The steps (optionKey) of the path a list of choices takes, as check --exhaustive recorded it in a trace. */
export function exhaustivePathOf(config: Config, scenario: Scenario, choices: readonly number[]): KeyedPath {
  const world = new ExhaustiveWorld(config, scenario, nodesFor(config), noChooser);
  world.begin();
  const keys: string[] = [];
  const faultSteps: number[] = [];
  let next = 0;
  for (;;) {
    const options = world.options();
    if (options.length === 0) break;
    let option = options[0];
    if (options.length > 1) {
      option = options[choices[next] ?? -1];
      next += 1;
      if (option === undefined) throw new Error(`choice #${next} is not an option of the path`);
    }
    if (option === undefined || option.kind === 'end') break;
    if (option.kind === 'fault') faultSteps.push(keys.length);
    keys.push(world.optionKey(option));
    world.take(option);
  }
  return { keys, faultSteps };
}

/** The culprit picker for a trace check --exhaustive wrote (its path's but-for), given its choices. */
export function exhaustiveButForOfChoices(config: Config, scenario: Scenario, choices: readonly number[]): CulpritPicker {
  return exhaustiveButFor(config, scenario, () => exhaustivePathOf(config, scenario, choices));
}
