// `mqtt-dst explore`: random exploration of fault schedules on the simulated broker; every
// distinct way a property fails, each with a minimal trace written to --out.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ExploreBounds } from '../explore/arbitraries.ts';
import type { CounterexampleClass, ExploreProgress, ExploreReport } from '../explore/explore.ts';
import { exploreInWorker } from '../explore/explore-thread.ts';
import { exploreSwarm, swarmCaseOf } from '../explore/swarm-explore.ts';
import { swarmBoundsDefault, type SwarmBounds } from '../explore/swarm.ts';
import { reportedExploreClasses, type WrittenClass } from '../explore/reported-classes.ts';
import { classRunOf, rootCausesOf, type RootCause } from '../explore/root-causes.ts';
import { renderHtmlReport } from '../trace/render-html.ts';
import { rootCauseDetails, rootCauseSummary } from '../trace/render-root-causes.ts';
import { recordTrace } from '../trace/record.ts';
import { checkOutputDir, writeOutputSet, type OutputFile } from '../trace/output-dir.ts';
import { checkedTraceText, writeFileAtomic } from '../trace/store.ts';
import { inconclusiveLine, tooInconclusive } from '../check/inconclusive.ts';
import { describeScenario } from './describe-case.ts';
import { configFrom, exploreBoundsFrom, faultList, htmlFileFrom, limits, parse, seedOption, usable, wholeNumber, type ResolvedConfig } from './options.ts';
import { progressReporter, type ProgressSnapshot } from './progress.ts';
import { exitCodes, UsageError } from './usage-error.ts';
import { untilInterrupted } from './interrupt.ts';

export const exploreHelp = `mqtt-dst explore [options]
  --preset NAME      configuration preset (default blog)
  --config X         a preset name, or a mosquitto.conf whose settings override the blog broker
  --set PATH=VALUE   override one setting, repeatable (e.g. broker.autosave_interval=1)
  --runs N           scenarios to run (default 2000)
  --swarm N          N scenarios whose broker and client settings are drawn too (each class's trace keeps its settings)
  --seed N           exploration seed (default 1)
  --faults LIST      fault kinds, comma-separated, 'all' (default) or 'none'
  --messages N       at most N messages per scenario (default 5)
  --max-faults N     at most N faults per scenario (default 3)
  --out DIR          where minimal traces are written (default out/<preset>), 'none' to skip
  --html FILE        also write the report as one self-contained HTML file (diagrams of every class)
  --json             print the report as JSON on stdout`;

const options = {
  preset: { type: 'string' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  runs: { type: 'string' },
  swarm: { type: 'string' },
  seed: { type: 'string' },
  faults: { type: 'string' },
  messages: { type: 'string' },
  'max-faults': { type: 'string' },
  out: { type: 'string' },
  html: { type: 'string' },
  json: { type: 'boolean' },
} as const;


export async function exploreCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, options, 'explore');
  if (positionals.length > 0) throw new UsageError(`explore: unexpected argument '${positionals[0]}'`);
  const html = htmlFileFrom(values.html);
  const resolved = configFrom(values.preset, values.set, values.config);
  const runs = wholeNumber(values.runs, '--runs', 2000, 1, limits.runs);
  const seed = seedOption(values.seed);
  const explored: ExploreBounds = exploreBoundsFrom(values);
  // A swarm's bounds are its own (src/explore/swarm.ts); the report states those.
  const bounds: ExploreBounds =
    values.swarm === undefined ? explored : { ...explored, messagesMax: swarmBoundsOf(values).messagesMax, faultsMax: swarmBoundsOf(values).faultsMax };
  const outDir = values.out === 'none' ? null : (values.out ?? join('out', resolved.preset));
  if (outDir !== null) usable(checkOutputDir(outDir));
  const progress = values.json ? undefined : progressReporter();
  const onProgress = progress === undefined ? undefined : (at: ExploreProgress) => progress.report(exploreSnapshot(at));
  const startedMs = performance.now();
  if (values.swarm !== undefined && values.runs !== undefined) throw new UsageError('explore: give --runs N or --swarm N, not both');
  const report =
    values.swarm === undefined
      ? (await untilInterrupted((signal) => exploreInWorker({ config: resolved.config, bounds, runs, seed, signal, ...(onProgress ? { onProgress } : {}) }))).value
      : exploreSwarmFrom(resolved, values, seed, onProgress);
  const elapsedS = (performance.now() - startedMs) / 1000;
  progress?.done();
  const { written, failure } = writeClassTraces(resolved, report.classes, outDir);
  const reproduce = [
    `npx mqtt-dst explore --preset ${resolved.preset}`,
    ...Object.entries(resolved.overrides).map(([key, value]) => `--set ${key}=${value}`),
    values.swarm === undefined ? `--runs ${runs} --seed ${seed}` : `--swarm ${report.runs} --seed ${seed}`,
    values.faults === undefined ? '' : `--faults ${values.faults}`,
    values.messages === undefined ? '' : `--messages ${bounds.messagesMax}`,
    values['max-faults'] === undefined ? '' : `--max-faults ${bounds.faultsMax}`,
  ].filter((part) => part !== '').join(' ');
  const done: Explored = { resolved, bounds, report, written, seed, elapsedS, reproduce, runsAsked: runs };
  const causes = values.json && html === undefined ? [] : rootCausesOf(reportedExploreClasses(written).map(classRunOf));
  process.stdout.write(values.json ? `${jsonReport(report, written)}\n` : textReport(done, causes));
  if (html !== undefined) {
    const [title = '', ...facts] = exploredLines(done);
    const section = { idPrefix: '', heading: 'Root causes', causes, countUnit: 'run', sound: soundText(done) };
    writeFileAtomic(html, renderHtmlReport({ title, facts, sections: [section] }));
    process.stderr.write(`HTML report: ${html}\n`);
  }
  // The report is out; only now may a failed write end the command.
  if (failure !== undefined) throw failure;
  if (report.interrupted) return exitCodes.interrupted;
  return exploreExit(report);
}

/** Violations found stand whatever else was cut; a clean result with too many cut runs is no result. */
function exploreExit(report: ExploreReport): number {
  const inconclusive = tooInconclusive(report.inconclusive, report.runs);
  if (inconclusive) {
    const remedy = `raise timing.eventsMax (events-max: ${report.ends['events-max']}) or timing.healingMsMax (healing-ms-max: ${report.ends['healing-ms-max']})`;
    process.stderr.write(inconclusiveLine('explore', report.inconclusive, report.runs, 'runs', remedy));
  }
  if (report.classes.length > 0) return exitCodes.violations;
  return inconclusive ? exitCodes.inconclusive : exitCodes.ok;
}

function exploreSnapshot(at: ExploreProgress): ProgressSnapshot {
  return at.phase === 'explore'
    ? { what: 'exploring', done: at.done, total: at.total, unit: 'runs', classes: at.classes, detail: `${at.violatingRuns.toLocaleString('en-US')} violating` }
    : { what: 'shrinking each class to a minimal case', done: at.done, total: at.total, unit: 'classes', classes: at.classes };
}

function swarmBoundsOf(values: SwarmValues): SwarmBounds {
  return {
    ...swarmBoundsDefault,
    faultKinds: faultList(values.faults),
    messagesMax: wholeNumber(values.messages, '--messages', swarmBoundsDefault.messagesMax, 1),
    faultsMax: wholeNumber(values['max-faults'], '--max-faults', swarmBoundsDefault.faultsMax),
  };
}

function exploreSwarmFrom(resolved: ResolvedConfig, values: SwarmValues, seed: number, onProgress: ((at: ExploreProgress) => void) | undefined): ExploreReport {
  const bounds = swarmBoundsOf(values);
  const runs = wholeNumber(values.swarm, '--swarm', 1, 1);
  try {
    return exploreSwarm({ preset: resolved.preset, base: resolved.overrides, bounds, runs, seed, ...(onProgress ? { onProgress } : {}) });
  } catch (error) {
    throw new UsageError(`explore: ${(error as Error).message}`);
  }
}

interface SwarmValues {
  readonly swarm?: string | undefined;
  readonly faults?: string | undefined;
  readonly messages?: string | undefined;
  readonly 'max-faults'?: string | undefined;
}

/** Each class's minimal trace in outDir (exactly these, beside the manifest); on failure no file is claimed. */
function writeClassTraces(
  resolved: ResolvedConfig,
  classes: readonly CounterexampleClass[],
  outDir: string | null,
): { readonly written: readonly WrittenClass[]; readonly failure?: Error } {
  const traces = classes.map((entry) => {
    // A swarm class's case carries the configuration it drew; its trace records those overrides.
    const drawn = swarmCaseOf(entry);
    const own = drawn === undefined ? resolved : { preset: resolved.preset, overrides: drawn.overrides, config: drawn.config };
    return recordTrace({ ...own, explored: entry.minimal, signature: entry.signature.text });
  });
  const unwritten = classes.map((entry, index) => ({ entry, trace: traces[index] as WrittenClass['trace'], file: null }));
  if (outDir === null) return { written: unwritten };
  try {
    const files = classes.map((entry, index): OutputFile => {
      const name = `${entry.id}.json`;
      return { name, text: checkedTraceText(join(outDir, name), traces[index] as WrittenClass['trace']) };
    });
    writeOutputSet(outDir, files);
    return { written: unwritten.map((entry, index) => ({ ...entry, file: join(outDir, (files[index] as OutputFile).name) })) };
  } catch (error) {
    return { written: unwritten, failure: new Error(`writing traces to ${outDir}: ${(error as Error).message}`) };
  }
}

function jsonReport(report: ExploreReport, written: readonly WrittenClass[]): string {
  return JSON.stringify({
    runs: report.runs,
    interrupted: report.interrupted,
    violations: report.violations,
    violatingRuns: report.violatingRuns,
    ends: report.ends,
    inconclusive: report.inconclusive,
    classes: written.map(({ entry, file }) => ({
      id: entry.id,
      signature: entry.signature.text,
      property: entry.signature.property,
      faults: entry.signature.faults,
      phase: entry.signature.phase,
      count: entry.count,
      trace: file,
    })),
  });
}

/** A finished exploration, as the reports tell it. */
interface Explored {
  readonly resolved: ResolvedConfig;
  readonly bounds: ExploreBounds;
  readonly report: ExploreReport;
  readonly written: readonly WrittenClass[];
  readonly seed: number;
  readonly elapsedS: number;
  readonly reproduce: string;
  readonly runsAsked: number;
}

/** What was explored, a line each: the head of the text report and the facts of the HTML one. */
function exploredLines({ resolved, bounds, report, seed, elapsedS, runsAsked }: Explored): string[] {
  const overrides = Object.entries(resolved.overrides).map(([key, value]) => ` ${key}=${value}`).join('');
  const lines = [
    `mqtt-dst explore: preset ${resolved.preset}${overrides}, seed ${seed}`,
    `bounds: <= ${bounds.messagesMax} messages, <= ${bounds.faultsMax} faults of ${bounds.faultKinds.length === 0 ? 'no kind' : bounds.faultKinds.join(', ')}`,
    `explored ${report.runs} scenarios (${report.events} events) in ${elapsedS.toFixed(1)} s: ` +
      `${report.violatingRuns} violated a property, ${report.classes.length} distinct class${report.classes.length === 1 ? '' : 'es'}`,
  ];
  if (report.interrupted) {
    lines.push(`INTERRUPTED after ${report.runs} of ${runsAsked} scenarios: what was found so far (classes not shrunk once interrupted); not a result for these bounds`);
  }
  if (report.inconclusive > 0) {
    lines.push(
      `inconclusive: ${report.inconclusive} runs hit a bound before quiescence and were not judged (events-max ${report.ends['events-max']}, healing-ms-max ${report.ends['healing-ms-max']})`,
    );
  }
  return lines;
}

function soundText({ report }: Explored): string {
  const cut = report.inconclusive > 0 ? ` (${report.inconclusive} more cut by a bound, not judged)` : '';
  if (report.interrupted) return `no violation in the ${report.runs - report.inconclusive} scenarios explored before the interruption${cut}`;
  return `no violation in ${report.runs - report.inconclusive} scenarios within these bounds${cut}`;
}

function textReport(done: Explored, causes: readonly RootCause[]): string {
  const lines = exploredLines(done);
  if (causes.length > 0) {
    const textOptions = { countUnit: 'run' };
    lines.push('', ...rootCauseSummary(causes, textOptions), '', 'Root causes in detail:', ...rootCauseDetails(causes, textOptions), '', `Every class, simplest first:`);
  }
  done.written.forEach(({ entry, file }, index) => {
    lines.push('', `${String(index + 1).padStart(3)}. ${entry.signature.text}`, `     seen in ${entry.count} runs; minimal: ${describeScenario(entry.minimal.scenario)}`);
    const first = entry.violations.find((violation) => violation.property === entry.signature.property);
    if (first) lines.push(`     e.g. ${first.summary}`);
    if (file) lines.push(`     replay: npx mqtt-dst replay ${file}`);
  });
  lines.push('', done.report.classes.length === 0 ? soundText(done) : `reproduce: ${done.reproduce}`);
  return `${lines.join('\n')}\n`;
}
