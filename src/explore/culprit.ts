// Which fault caused a violation, when several struck the victim message? The but-for test a
// person would apply: run the same case without the fault (same seed); the culprit is the
// latest suspect whose absence makes the violation go away. Where no single fault is
// necessary (the loss is overdetermined), the latest suspect stands.
import type { Config } from '../../models/config.ts';
import type { Violation } from '../../properties/types.ts';
import { judge } from '../check/judge.ts';
import { RandomChooser } from '../sim/chooser.ts';
import { runScenario } from '../sim/run.ts';
import type { FaultRecord } from '../sim/world.ts';
import type { ExploreCase } from './arbitraries.ts';
import type { CulpritPicker } from './signature.ts';

export function butForPicker(config: Config, explored: ExploreCase): CulpritPicker {
  const withoutFault = new Map<number, readonly Violation[]>();
  const violationsWithout = (index: number): readonly Violation[] => {
    const cached = withoutFault.get(index);
    if (cached) return cached;
    const scenario = { ...explored.scenario, faults: explored.scenario.faults.filter((_, i) => i !== index) };
    const result = runScenario(config, scenario, new RandomChooser(explored.seed, false));
    const violations = judge(result.history, config);
    withoutFault.set(index, violations);
    return violations;
  };
  return (violation, suspects) => {
    if (suspects.length <= 1) return suspects[0];
    for (let i = suspects.length - 1; i >= 0; i -= 1) {
      const suspect = suspects[i] as FaultRecord;
      const persists = violationsWithout(suspect.index).some(
        (other) => other.property === violation.property && other.message === violation.message && other.consumer === violation.consumer,
      );
      if (!persists) return suspect;
    }
    return suspects[suspects.length - 1];
  };
}
