// The classes a command found, as root causes read them: each with the trace of its shortest
// (check --exhaustive) or minimal (explore) run, recorded once more so it can be replayed,
// written to a file and drawn.
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import { err, ok, type Result } from '../../models/result.ts';
import type { Trace } from '../trace/format.ts';
import { recordExhaustiveTrace } from '../trace/record.ts';
import { exhaustiveScenario } from '../check/exhaustive.ts';
import type { CheckResult } from '../check/exhaustive-result.ts';
import type { CounterexampleClass } from './explore.ts';
import type { ReportedClass } from './root-causes.ts';

/** Each class's shortest path as a trace (what `mqtt-dst replay` reproduces), by class id. */
export function checkClassTraces(result: CheckResult): Result<Map<string, Trace>> {
  const config = resolveConfig(result.preset, result.overrides as Overrides);
  if (!config.ok) return err(config.error);
  const scenario = exhaustiveScenario(result.bounds.messages);
  const traces = new Map<string, Trace>();
  for (const entry of result.classes) {
    const trace = recordExhaustiveTrace({
      preset: result.preset,
      overrides: result.overrides,
      config: config.value,
      scenario,
      choices: entry.choices,
      signature: entry.signature,
    });
    if (!trace.outcome.violations.some((violation) => violation.property === entry.property)) {
      throw new Error(`class '${entry.signature}': its path replays without a ${entry.property} violation`);
    }
    traces.set(entry.id, trace);
  }
  return ok(traces);
}

/** The classes of a check result with their traces; a class's count is the complete runs that showed it. */
export function reportedCheckClasses(result: CheckResult, traces: ReadonlyMap<string, Trace>): ReportedClass[] {
  return result.classes.map((entry) => {
    const trace = traces.get(entry.id);
    if (trace === undefined) throw new Error(`class '${entry.signature}' has no trace`);
    return { id: entry.id, signature: entry.signature, count: entry.terminals, trace, file: entry.trace };
  });
}

/** A class explore found, with the trace of its minimal case and the file it was written to, if any. */
export interface WrittenClass {
  readonly entry: CounterexampleClass;
  readonly trace: Trace;
  readonly file: string | null;
}

/** The classes of an exploration; a class's count is the runs that showed it. */
export function reportedExploreClasses(written: readonly WrittenClass[]): ReportedClass[] {
  return written.map(({ entry, trace, file }) => ({ id: entry.id, signature: entry.signature.text, count: entry.count, trace, file }));
}
