// Turns a case into a trace (run it once more, recording every choice and the event log) and a
// trace back into a run (feed the recorded choices back), comparing what it reproduces.
import type { Config } from '../../models/config.ts';
import { err, ok, type Result } from '../../models/result.ts';
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import type { Violation } from '../../properties/types.ts';
import { judge } from '../check/judge.ts';
import { ChoiceDivergence, RandomChooser, ReplayChooser } from '../sim/chooser.ts';
import type { LogEntry } from '../sim/log.ts';
import { runScenario } from '../sim/run.ts';
import type { RunResult } from '../sim/world.ts';
import type { ExploreCase } from '../explore/arbitraries.ts';
import { scenarioProducerProblem, type Scenario } from '../../models/scenario.ts';
import { logDigest } from './digest.ts';
import { traceFormat, traceVersion, type RecordedViolation, type Trace } from './format.ts';

export function recordedViolations(violations: readonly Violation[]): RecordedViolation[] {
  return violations.map(({ property, message, consumer, summary }) => ({ property, message, consumer, summary }));
}

export interface RecordInput {
  readonly preset: string;
  readonly overrides: Overrides;
  readonly config: Config;
  readonly explored: ExploreCase;
  readonly signature: string | null;
}

export function recordTrace(input: RecordInput): Trace {
  const chooser = new RandomChooser(input.explored.seed);
  const result = runScenario(input.config, input.explored.scenario, chooser, { log: true });
  const violations = judge(result.history, input.config);
  return {
    format: traceFormat,
    version: traceVersion,
    preset: input.preset,
    overrides: input.overrides,
    signature: input.signature,
    scenario: input.explored.scenario,
    seed: input.explored.seed,
    choices: chooser.choices,
    outcome: {
      end: result.stats.end,
      events: result.stats.events,
      endMs: result.stats.endMs,
      logDigest: logDigest(result.log ?? []),
      violations: recordedViolations(violations),
    },
  };
}

export interface ExhaustiveRecordInput {
  readonly preset: string;
  readonly overrides: Overrides;
  readonly config: Config;
  readonly scenario: Scenario;
  /** The path's choices, as the exhaustive search recorded them. */
  readonly choices: readonly number[];
  readonly signature: string | null;
}

/** A path the exhaustive search found, as a trace: run it once more through its choices, recording the log. */
export function recordExhaustiveTrace(input: ExhaustiveRecordInput): Trace {
  const chooser = new ReplayChooser(input.choices);
  const result = runScenario(input.config, input.scenario, chooser, { log: true, mode: 'exhaustive' });
  if (!chooser.exhausted) throw new Error(`the path used ${chooser.used} of its ${input.choices.length} choices`);
  const violations = judge(result.history, input.config);
  return {
    format: traceFormat,
    version: traceVersion,
    mode: 'exhaustive',
    preset: input.preset,
    overrides: input.overrides,
    signature: input.signature,
    scenario: input.scenario,
    seed: 0,
    choices: input.choices,
    outcome: {
      end: result.stats.end,
      events: result.stats.events,
      endMs: result.stats.endMs,
      logDigest: logDigest(result.log ?? []),
      violations: recordedViolations(violations),
    },
  };
}

export interface Replay {
  readonly config: Config;
  readonly result: RunResult;
  readonly log: readonly LogEntry[];
  readonly violations: readonly Violation[];
  /** Empty when the run reproduced the trace exactly. */
  readonly divergences: readonly string[];
}

export function replayTrace(trace: Trace): Result<Replay> {
  const config = resolveConfig(trace.preset, trace.overrides);
  if (!config.ok) return err(`trace: ${config.error}`);
  const problem = scenarioProducerProblem(trace.scenario, config.value);
  if (problem !== undefined) return err(`trace: ${problem}`);
  const chooser = new ReplayChooser(trace.choices);
  let result: RunResult;
  try {
    result = runScenario(config.value, trace.scenario, chooser, { log: true, ...(trace.mode === undefined ? {} : { mode: trace.mode }) });
  } catch (error) {
    if (error instanceof ChoiceDivergence) {
      return ok({ config: config.value, result: emptyResult(), log: [], violations: [], divergences: [error.message] });
    }
    throw error;
  }
  const log = result.log ?? [];
  const violations = judge(result.history, config.value);
  const divergences: string[] = [];
  if (!chooser.exhausted) divergences.push(`the run used ${chooser.used} of the ${trace.choices.length} recorded choices`);
  const digest = logDigest(log);
  if (digest !== trace.outcome.logDigest) divergences.push(`event log digest ${digest} differs from the recorded ${trace.outcome.logDigest}`);
  const now = JSON.stringify(recordedViolations(violations));
  if (now !== JSON.stringify(trace.outcome.violations)) divergences.push(`violations differ: now ${now}`);
  return ok({ config: config.value, result, log, violations, divergences });
}

function emptyResult(): RunResult {
  return { history: [], faults: [], stats: { events: 0, endMs: 0, end: 'quiescent' }, log: [] };
}
