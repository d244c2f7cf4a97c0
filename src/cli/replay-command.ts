// `mqtt-dst replay FILE`: re-runs a saved trace with its recorded choices, prints the timeline
// and checks that the run reproduced the recorded event log and violations exactly.
import { renderMermaid } from '../trace/render-mermaid.ts';
import { renderTimeline } from '../trace/render-text.ts';
import { replayTrace } from '../trace/record.ts';
import { loadTrace } from '../trace/store.ts';
import { describeScenario } from './describe-case.ts';
import { parse } from './options.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const replayHelp = `mqtt-dst replay FILE [--mermaid] [--quiet]
  prints the run's timeline and exits 0 when it reproduces the trace exactly, 1 when it diverges
  --mermaid   print a Mermaid sequence diagram instead of the text timeline
  --quiet     print only the verdict`;

const options = { mermaid: { type: 'boolean' }, quiet: { type: 'boolean' } } as const;

export function replayCommand(args: readonly string[]): number {
  const { values, positionals } = parse(args, options, 'replay');
  const [file, extra] = positionals;
  if (file === undefined) throw new UsageError('replay: missing trace file (usage: mqtt-dst replay FILE)');
  if (extra !== undefined) throw new UsageError(`replay: unexpected argument '${extra}'`);
  const trace = loadTrace(file);
  if (!trace.ok) throw new UsageError(trace.error);
  const replay = replayTrace(trace.value);
  if (!replay.ok) throw new UsageError(`${file}: ${replay.error}`);
  const { log, violations, divergences } = replay.value;
  const out: string[] = [];
  if (!values.quiet) {
    out.push(`trace ${file}`, `preset ${trace.value.preset}${Object.entries(trace.value.overrides).map(([k, v]) => ` ${k}=${v}`).join('')}, seed ${trace.value.seed}`);
    if (trace.value.signature) out.push(`class: ${trace.value.signature}`);
    out.push(`scenario: ${describeScenario(trace.value.scenario)}`);
    if (trace.value.mode === 'exhaustive') out.push('mode: exhaustive (found by check --exhaustive: every step was a choice, the faults are steps of the path)');
    out.push('');
    out.push(values.mermaid ? renderMermaid(log, violations) : renderTimeline(log, violations), '');
  }
  if (divergences.length === 0) {
    out.push(`reproduced: same event log (${trace.value.outcome.logDigest.slice(0, 19)}…), ${violations.length} violation${violations.length === 1 ? '' : 's'} as recorded`);
  } else {
    out.push('DIVERGED from the recorded run:', ...divergences.map((line) => `  ${line}`));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return divergences.length === 0 ? exitCodes.ok : exitCodes.violations;
}
