// Runs one exploration case and judges it.
import type { Config } from '../../models/config.ts';
import type { Violation } from '../../properties/types.ts';
import { judge } from '../check/judge.ts';
import { RandomChooser } from '../sim/chooser.ts';
import type { RunEnd } from '../sim/log.ts';
import { runScenario } from '../sim/run.ts';
import type { RunResult } from '../sim/world.ts';
import type { ExploreCase } from './arbitraries.ts';
import { butForPicker } from './culprit.ts';
import { signaturesOf, type Signature } from './signature.ts';

export interface Evaluation {
  readonly result: RunResult;
  readonly violations: readonly Violation[];
  readonly signatures: readonly Signature[];
}

/**
 * Runs and judges a case: the simulation's own cost, without classification. A run cut by a
 * bound (timing.eventsMax, timing.healingMsMax) is inconclusive (DESIGN §3): its history stops
 * mid-protocol, so a message still on its way would read as lost. It is not judged at all —
 * neither a violation nor a pass — and the caller counts it apart by `result.stats.end`.
 */
export function simulate(config: Config, explored: ExploreCase): Omit<Evaluation, 'signatures'> {
  const result = runScenario(config, explored.scenario, new RandomChooser(explored.seed, false));
  return { result, violations: isConclusive(result.stats.end) ? judge(result.history, config) : [] };
}

/** Whether a run ended on its own (quiescent) rather than at a bound. */
export function isConclusive(end: RunEnd): boolean {
  return end === 'quiescent';
}

export function evaluate(config: Config, explored: ExploreCase): Evaluation {
  const { result, violations } = simulate(config, explored);
  const signatures =
    violations.length === 0 ? [] : signaturesOf(violations, result.history, result.faults, butForPicker(config, explored));
  return { result, violations, signatures };
}
