// Runs one exploration case and judges it.
import type { Config } from '../../models/config.ts';
import type { Violation } from '../../properties/types.ts';
import { judge } from '../check/judge.ts';
import { RandomChooser } from '../sim/chooser.ts';
import { runScenario } from '../sim/run.ts';
import type { RunResult } from '../sim/world.ts';
import type { ExploreCase } from './arbitraries.ts';
import { signaturesOf, type Signature } from './signature.ts';

export interface Evaluation {
  readonly result: RunResult;
  readonly violations: readonly Violation[];
  readonly signatures: readonly Signature[];
}

export function evaluate(config: Config, explored: ExploreCase): Evaluation {
  const result = runScenario(config, explored.scenario, new RandomChooser(explored.seed, false));
  const violations = judge(result.history, config);
  const signatures = violations.length === 0 ? [] : signaturesOf(violations, result.history, result.faults);
  return { result, violations, signatures };
}
