// Which faults caused a violation, when several struck? The but-for test a person would apply:
// run the same case without the fault (same seed; decisions are keyed, so the rest of the run
// stays as it was); a culprit is a suspect whose absence makes the violation go away. A story
// can need several (a broker kill that lost a session, and a consumer crash that kept the
// consumer away until the message had passed). Where no single fault is necessary (the loss
// is overdetermined), the latest suspect stands.
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
    if (suspects.length <= 1) return suspects;
    const necessary = suspects.filter(
      (suspect: FaultRecord) =>
        !violationsWithout(suspect.index).some(
          (other) => other.property === violation.property && other.message === violation.message && other.consumer === violation.consumer,
        ),
    );
    return necessary.length > 0 ? necessary : suspects.slice(-1);
  };
}
