// `mqtt-dst replay FILE`: re-runs a saved trace with its recorded choices, prints the timeline
// and checks that the run reproduced the recorded event log and violations exactly.
import { classRunOf, rootCausesOf } from '../explore/root-causes.ts';
import { renderHtmlReport } from '../trace/render-html.ts';
import { renderMermaid } from '../trace/render-mermaid.ts';
import { renderTimeline } from '../trace/render-text.ts';
import { replayTrace } from '../trace/record.ts';
import { loadTrace, writeFileAtomic } from '../trace/store.ts';
import { describeScenario } from './describe-case.ts';
import { htmlFileFrom, parse } from './options.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const replayHelp = `mqtt-dst replay FILE [--mermaid] [--html OUT] [--quiet]
  prints the run's timeline and exits 0 when it reproduces the trace exactly, 1 when it diverges
  --mermaid   print only a Mermaid sequence diagram on stdout (header and verdict go to stderr)
  --html OUT  also write the run as a self-contained HTML page: its story and sequence diagram
  --quiet     print only the verdict`;

const options = { mermaid: { type: 'boolean' }, quiet: { type: 'boolean' }, html: { type: 'string' } } as const;

export function replayCommand(args: readonly string[]): number {
  const { values, positionals } = parse(args, options, 'replay');
  const [file, extra] = positionals;
  if (file === undefined) throw new UsageError('replay: missing trace file (usage: mqtt-dst replay FILE)');
  if (extra !== undefined) throw new UsageError(`replay: unexpected argument '${extra}'`);
  const html = htmlFileFrom(values.html);
  const trace = loadTrace(file);
  if (!trace.ok) throw new UsageError(trace.error);
  const signature = trace.value.signature;
  if (html !== undefined && signature === null) throw new UsageError(`replay --html: ${file} is not the trace of a class (it has no signature to tell the story of)`);
  const replay = replayTrace(trace.value);
  if (!replay.ok) throw new UsageError(`${file}: ${replay.error}`);
  const { log, violations, divergences } = replay.value;
  const header = [`trace ${file}`, `preset ${trace.value.preset}${Object.entries(trace.value.overrides).map(([k, v]) => ` ${k}=${v}`).join('')}, seed ${trace.value.seed}`];
  if (trace.value.signature) header.push(`class: ${trace.value.signature}`);
  header.push(`scenario: ${describeScenario(trace.value.scenario)}`);
  if (trace.value.mode === 'exhaustive') header.push('mode: exhaustive (found by check --exhaustive: every step was a choice, the faults are steps of the path)');
  const verdict =
    divergences.length === 0
      ? [`reproduced: same event log (${trace.value.outcome.logDigest.slice(0, 19)}…), ${violations.length} violation${violations.length === 1 ? '' : 's'} as recorded`]
      : ['DIVERGED from the recorded run:', ...divergences.map((line) => `  ${line}`)];
  if (values.mermaid) {
    // Mermaid alone on stdout, so that `replay FILE --mermaid > run.mmd` is a diagram file.
    process.stderr.write(`${[...(values.quiet ? [] : header), ...verdict].join('\n')}\n`);
    process.stdout.write(`${renderMermaid(log, violations)}\n`);
  } else {
    const body = values.quiet ? [] : [...header, '', renderTimeline(log, violations), ''];
    process.stdout.write(`${[...body, ...verdict].join('\n')}\n`);
  }
  if (html !== undefined && signature !== null && divergences.length === 0) {
    const run = classRunOf({ id: 'replayed', signature, count: 1, trace: trace.value, file });
    const section = { idPrefix: '', heading: 'The run', causes: rootCausesOf([run]), countUnit: 'run', sound: '' };
    writeFileAtomic(html, renderHtmlReport({ title: `mqtt-dst replay ${file}`, facts: [...header.slice(1), ...verdict], sections: [section] }));
    process.stderr.write(`HTML report: ${html}\n`);
  }
  return divergences.length === 0 ? exitCodes.ok : exitCodes.violations;
}

