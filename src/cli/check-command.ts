// `mqtt-dst check --exhaustive`: bounded exhaustive model checking of the simulated broker —
// every order of events and every placement of faults within the bounds — listing every
// counterexample class with its shortest trace, or saying that none exists within the bounds.
// `--shard i/n` searches one shard, `--workers N` all shards in worker threads, and
// `check --merge a.json b.json ...` merges the --json results of shards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ExhaustiveBounds, type ExhaustiveProgress } from '../check/exhaustive.ts';
import { mergeCheckResults, parseCheckResult, type CheckClass, type CheckResult } from '../check/exhaustive-result.ts';
import { runInWorkers, runShardStoppable } from '../check/exhaustive-shard.ts';
import { checkClassTraces, reportedCheckClasses } from '../explore/reported-classes.ts';
import { classRunOf, rootCausesOf, type RootCause } from '../explore/root-causes.ts';
import type { Trace } from '../trace/format.ts';
import { rootCauseDetails, rootCauseSummary } from '../trace/render-root-causes.ts';
import { renderHtmlReport } from '../trace/render-html.ts';
import { checkOutputDir, writeOutputSet, type OutputFile } from '../trace/output-dir.ts';
import { checkedTraceText, writeFileAtomic } from '../trace/store.ts';
import { inconclusiveLine, tooInconclusive } from '../check/inconclusive.ts';
import { configFrom, faultList, htmlFileFrom, limits, parse, usable, wholeNumber } from './options.ts';
import { progressReporter, type ProgressSnapshot } from './progress.ts';
import { exitCodes, UsageError } from './usage-error.ts';
import { untilInterrupted } from './interrupt.ts';

export const checkHelp = `mqtt-dst check --exhaustive [options]
  every interleaving of events and every placement of faults within the bounds; every class with its shortest trace
  --preset NAME | --config PRESET|FILE, --set PATH=VALUE   configuration, as for explore
  --messages N       messages the producer publishes (default 2)
  --crashes N        crashes per node: broker (kill or restart), producer, consumer (default 1)
  --drops N          connection drops per client link (default 1)
  --max-faults N     faults per run, all kinds together (default: only the two bounds above)
  --no-reduction     take every option at every state and carry fault records through every state (no reduction): the same classes, more states
  --faults LIST      fault kinds that may strike, 'all' (default) or 'none'
  --depth N          steps (events and faults) per path (default 200); states cut there are reported
  --resends N        firings of the outbox's resend timer per path (default 1); runs cut there are reported
  --shard I/N        search only shard I (0-based) of N of the top-level choices
  --workers N        search all N shards in worker threads and merge them
  --time-limit S     stop the search after S seconds; a search stopped short is inconclusive (exit 4)
                     (Ctrl-C stops it too: what it had found is reported, exit 130)
  --out DIR          where shortest traces are written (default out/<preset>-exhaustive), 'none' to skip
  --html FILE        also write the report as one self-contained HTML file (diagrams of every class)
  --steps            print each class's shortest path step by step
  --json             print the result as JSON (the input of --merge)
mqtt-dst check --merge A.json B.json ... [--out DIR] [--steps] [--json]
  merges the --json results of the shards of one search`;

const options = {
  exhaustive: { type: 'boolean' },
  merge: { type: 'boolean' },
  preset: { type: 'string' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  messages: { type: 'string' },
  crashes: { type: 'string' },
  drops: { type: 'string' },
  'max-faults': { type: 'string' },
  'no-reduction': { type: 'boolean' },
  faults: { type: 'string' },
  depth: { type: 'string' },
  resends: { type: 'string' },
  shard: { type: 'string' },
  workers: { type: 'string' },
  'time-limit': { type: 'string' },
  out: { type: 'string' },
  html: { type: 'string' },
  steps: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof options>>['values'];

export async function checkCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, options, 'check');
  htmlFileFrom(values.html);
  if (values.merge) return mergeCommand(values, positionals);
  if (!values.exhaustive) throw new UsageError('check: say --exhaustive (bounded exhaustive model checking) or --merge FILES');
  if (positionals.length > 0) throw new UsageError(`check: unexpected argument '${positionals[0]}'`);
  const resolved = configFrom(values.preset, values.set, values.config);
  // The exhaustive search runs one producer (its state snapshots and fault choices are the first's).
  if (resolved.config.producers !== 1) throw new UsageError('check --exhaustive: one producer only (producers=2 is explored by explore and check-broker)');
  const bounds: ExhaustiveBounds = {
    messages: wholeNumber(values.messages, '--messages', 2, 1, limits.exhaustiveMessages),
    crashesPerNode: wholeNumber(values.crashes, '--crashes', 1, 0, limits.exhaustiveFaults),
    dropsPerLink: wholeNumber(values.drops, '--drops', 1, 0, limits.exhaustiveFaults),
    faultsMax: values['max-faults'] === undefined ? null : wholeNumber(values['max-faults'], '--max-faults', 0, 0, limits.faults),
    depthMax: wholeNumber(values.depth, '--depth', 200, 1, limits.depth),
    resendsMax: wholeNumber(values.resends, '--resends', 1, 0, limits.resends),
    faultKinds: faultList(values.faults),
  };
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const workers = values.workers === undefined ? undefined : wholeNumber(values.workers, '--workers', 1, 1, limits.workers);
  if (shard !== undefined && workers !== undefined) throw new UsageError('check: --shard and --workers do not go together (workers run every shard)');
  const timeLimitS = values['time-limit'] === undefined ? undefined : wholeNumber(values['time-limit'], '--time-limit', 0, 1, limits.timeLimitS);
  // A shard's result cannot say whether it stopped short, so a merge could not tell: one process only.
  if (timeLimitS !== undefined && (shard !== undefined || workers !== undefined)) throw new UsageError('check: --time-limit applies to a search in one process, not with --shard or --workers');
  // A shard's classes are not final (another shard may hold a shorter path): its traces come from --merge.
  const outDir = shard !== undefined && values.out === undefined ? null : outDirOf(values, resolved.preset);
  if (outDir !== null) usable(checkOutputDir(outDir));
  const job = { preset: resolved.preset, overrides: resolved.overrides, bounds, reduce: values['no-reduction'] !== true };
  const startedMs = performance.now();
  const progress = values.json ? undefined : progressReporter();
  const onProgress = progress === undefined ? undefined : (at: ExhaustiveProgress) => progress.report(searchSnapshot(at));
  // One process: the search runs in a worker thread, so that Ctrl-C reaches this one and ends it
  // with what it has searched and found (interrupt.ts).
  const { value: result, interrupted } =
    workers !== undefined && workers > 1
      ? { value: await runInWorkers(job, workers), interrupted: false }
      : await untilInterrupted((signal) =>
          runShardStoppable({ ...job, shard: shard ?? { index: 0, count: 1 }, ...(timeLimitS === undefined ? {} : { stopAfterMs: timeLimitS * 1000 }) }, signal, onProgress),
        );
  progress?.done();
  const elapsedS = (performance.now() - startedMs) / 1000;
  const traces = tracesOf(result);
  const { written, failure } = withTraces(result, traces, outDir);
  return emitReport(values, written, traces, elapsedS, failure, interrupted && stoppedShort(result));
}

/** How far the search has got, for the progress line: its total is not known in advance. */
function searchSnapshot(at: ExhaustiveProgress): ProgressSnapshot {
  return { what: 'searching', done: at.states, total: null, unit: 'states', classes: at.classes, detail: `${at.transitions.toLocaleString('en-US')} transitions` };
}

function parseShard(text: string): { readonly index: number; readonly count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) throw new UsageError(`--shard: expected I/N with 0 <= I < N, got '${text}'`);
  return { index, count };
}

function outDirOf(values: Values, preset: string): string | null {
  if (values.out === 'none') return null;
  return values.out ?? join('out', `${preset}-exhaustive`);
}

function mergeCommand(values: Values, files: readonly string[]): number {
  if (files.length === 0) throw new UsageError('check --merge: give the --json results to merge');
  const results: CheckResult[] = files.map((file) => {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`${file}: cannot read a JSON result (${(error as Error).message.split('\n')[0]})`);
    }
    const parsed = parseCheckResult(value, file);
    if (!parsed.ok) throw new UsageError(parsed.error);
    return parsed.value;
  });
  const merged = mergeCheckResults(results);
  if (!merged.ok) throw new UsageError(`check --merge: ${merged.error}`);
  const outDir = outDirOf(values, merged.value.preset);
  if (outDir !== null) usable(checkOutputDir(outDir));
  const traces = tracesOf(merged.value);
  const { written, failure } = withTraces(merged.value, traces, outDir);
  return emitReport(values, written, traces, written.elapsedMs / 1000, failure, false);
}

function tracesOf(result: CheckResult): Map<string, Trace> {
  const traces = checkClassTraces(result);
  if (!traces.ok) throw new UsageError(traces.error);
  return traces.value;
}

/**
 * Writes each class's trace and names the file in the result; outDir then holds exactly these
 * beside its manifest. On failure no file is claimed, and the command fails after its report.
 */
function withTraces(result: CheckResult, traces: ReadonlyMap<string, Trace>, outDir: string | null): { readonly written: CheckResult; readonly failure?: Error } {
  if (outDir === null) return { written: result };
  try {
    const files = result.classes.map((entry): OutputFile => {
      const trace = traces.get(entry.id);
      if (trace === undefined) throw new Error(`class '${entry.signature}' has no trace`);
      const name = `${entry.id}.json`;
      return { name, text: checkedTraceText(join(outDir, name), trace) };
    });
    writeOutputSet(outDir, files);
    return { written: { ...result, classes: result.classes.map((entry, index) => ({ ...entry, trace: join(outDir, (files[index] as OutputFile).name) })) } };
  } catch (error) {
    return { written: result, failure: new Error(`writing traces to ${outDir}: ${(error as Error).message}`) };
  }
}

/**
 * Classes found stand. Without one, "no violation within bounds" needs every run within the
 * bounds judged: a state cut by the depth bound hides runs never searched (any number of them),
 * and a run cut by the resend bound was not judged; more than a small share of those is no result.
 */
function checkExit(result: CheckResult, interrupted: boolean): number {
  const cutRuns = result.resendBounded;
  const runs = result.terminals + cutRuns;
  const stopped = stoppedShort(result);
  const inconclusive = result.depthBounded > 0 || stopped || tooInconclusive(cutRuns, runs);
  if (result.depthBounded > 0) {
    process.stderr.write(`mqtt-dst: check: inconclusive: ${plural(result.depthBounded, 'state')} at the depth bound still had steps to take; raise --depth\n`);
  } else if (stopped) {
    process.stderr.write(`mqtt-dst: check: inconclusive: the search was ${stopWhy(interrupted)} before it had expanded every state\n`);
  } else if (inconclusive) {
    process.stderr.write(inconclusiveLine('check', cutRuns, runs, 'runs', 'raise --resends'));
  }
  if (interrupted) return exitCodes.interrupted;
  if (result.classes.length > 0) return exitCodes.violations;
  return inconclusive ? exitCodes.inconclusive : exitCodes.ok;
}

/** Why a whole search stopped short: Ctrl-C, or else its --time-limit. */
function stopWhy(interrupted: boolean): string {
  return interrupted ? 'interrupted by Ctrl-C' : 'stopped at --time-limit';
}

/** A whole search (one shard of one) that is not complete though nothing hit the depth bound: it stopped at --time-limit. */
function stoppedShort(result: CheckResult): boolean {
  const whole = result.shards.length === 1 && result.shards[0]?.[1] === 1;
  return whole && !result.complete && result.depthBounded === 0;
}

/** The classes with their runs replayed, grouped into root causes. */
function causesOf(result: CheckResult, traces: ReadonlyMap<string, Trace>): RootCause[] {
  return rootCausesOf(reportedCheckClasses(result, traces).map(classRunOf));
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : word.endsWith('s') || word.endsWith('sh') ? 'es' : 's'}`;
}

function boundsText(result: CheckResult): string {
  const { bounds } = result;
  const kinds = bounds.faultKinds.length === 0 ? 'no faults' : bounds.faultKinds.length === 5 ? 'all fault kinds' : bounds.faultKinds.join(', ');
  const total = bounds.faultsMax === null ? '' : `, <= ${plural(bounds.faultsMax, 'fault')} per run`;
  return `${plural(bounds.messages, 'message')}, <= ${plural(bounds.crashesPerNode, 'crash')} per node, <= ${plural(bounds.dropsPerLink, 'drop')} per link${total} (${kinds}), depth <= ${bounds.depthMax}, <= ${plural(bounds.resendsMax, 'resend')}`;
}

function classLines(entry: CheckClass, index: number, steps: boolean): string[] {
  const faults = entry.path.map((step, at) => ({ step, at })).filter(({ step }) => step.startsWith('fault '));
  const faultText = faults.length === 0 ? 'no fault' : faults.map(({ step, at }) => `${step.slice('fault '.length)} at step ${at + 1}`).join('; ');
  const lines = [`${String(index + 1).padStart(3)}. ${entry.signature}`, `     shortest path ${plural(entry.steps, 'step')}: ${faultText}`];
  if (steps) entry.path.forEach((step, at) => lines.push(`       ${String(at + 1).padStart(3)} ${step}`));
  if (entry.trace !== null) lines.push(`     replay: npx mqtt-dst replay ${entry.trace}`);
  return lines;
}

/** What was searched, a line each: the head of the text report and the facts of the HTML one. */
function searchedLines(result: CheckResult, elapsedS: number, interrupted: boolean): string[] {
  const overrides = Object.entries(result.overrides).map(([key, value]) => ` ${key}=${value}`).join('');
  const rate = elapsedS > 0 ? Math.round(result.states / elapsedS) : result.states;
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const shards = result.shards.length === 1 && result.shards[0]?.[1] === 1 ? '' : `, shards ${result.shards.map(([i, n]) => `${i}/${n}`).join(' ')}`;
  const lines = [
    `mqtt-dst check --exhaustive: preset ${result.preset}${overrides}${shards}`,
    `bounds: ${boundsText(result)}`,
    `searched ${plural(result.states, 'state')} (${result.worldStates.toLocaleString('en-US')} simulated, ${plural(result.transitions, 'transition')}, max depth ${result.maxDepth}, ${plural(result.terminals, 'complete run')}) ` +
      `in ${elapsedS.toFixed(1)} s: ${rate.toLocaleString('en-US')} states/s, peak RSS ${rssMb} MB`,
  ];
  if (interrupted) lines.push(`INTERRUPTED at depth ${result.maxDepth}: what the search had found so far; not a result for these bounds`);
  if (result.depthBounded > 0) lines.push(`WARNING: ${plural(result.depthBounded, 'state')} at the depth bound still had steps to take: not every run within the bounds was searched; raise --depth`);
  if (result.resendBounded > 0) {
    lines.push(`note: ${plural(result.resendBounded, 'state')} had no step left but a resend beyond the bound; those runs were not judged (raise --resends)`);
  }
  if (!result.shards.every(([, count]) => count === 1) && !result.complete) lines.push('note: this result covers only some shards of the search; merge them all with check --merge');
  return lines;
}

function soundText(result: CheckResult, interrupted: boolean): string {
  if (result.depthBounded > 0 || stoppedShort(result)) {
    const why = result.depthBounded > 0 ? 'cut at the depth bound' : stopWhy(interrupted);
    return `no violation found, but the search was ${why}: inconclusive (${boundsText(result)}), ${plural(result.states, 'state')}`;
  }
  const cut = result.resendBounded > 0 ? `; ${plural(result.resendBounded, 'run')} cut by the resend bound, not judged` : '';
  return `no violation within bounds (${boundsText(result)}), ${plural(result.states, 'state')}${cut}`;
}

function textReport(result: CheckResult, causes: readonly RootCause[], elapsedS: number, steps: boolean, interrupted: boolean): string {
  const lines = searchedLines(result, elapsedS, interrupted);
  if (result.classes.length === 0) {
    lines.push('', soundText(result, interrupted));
  } else {
    const textOptions = { countUnit: 'complete run' };
    lines.push('', ...rootCauseSummary(causes, textOptions), '', 'Root causes in detail:', ...rootCauseDetails(causes, textOptions));
    lines.push('', `Every class, ${plural(result.classes.length, 'class')}, simplest first:`);
    result.classes.forEach((entry, index) => lines.push('', ...classLines(entry, index, steps)));
  }
  return `${lines.join('\n')}\n`;
}

/** The report on stdout (text or JSON), then the HTML file if asked for, then a failed trace write if any; the exit code. */
function emitReport(values: Values, result: CheckResult, traces: ReadonlyMap<string, Trace>, elapsedS: number, failure: Error | undefined, interrupted: boolean): number {
  const causes = values.json && values.html === undefined ? [] : causesOf(result, traces);
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : textReport(result, causes, elapsedS, values.steps === true, interrupted));
  if (values.html !== undefined) {
    const [title = '', ...facts] = searchedLines(result, elapsedS, interrupted);
    const section = { idPrefix: '', heading: 'Root causes', causes, countUnit: 'complete run', sound: soundText(result, interrupted) };
    writeFileAtomic(values.html, renderHtmlReport({ title, facts, sections: [section] }));
    process.stderr.write(`HTML report: ${values.html}\n`);
  }
  // The report is out; only now may a failed write end the command.
  if (failure !== undefined) throw failure;
  return checkExit(result, interrupted);
}
