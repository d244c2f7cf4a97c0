// `mqtt-dst matrix`: the blog's open question as one table — presets (candidate designs) ×
// properties, each cell "holds" within the explored bounds or the simplest class that breaks it.
import { performance } from 'node:perf_hooks';
import { presetNames, resolveConfig } from '../../models/presets.ts';
import { propertyNames } from '../../properties/index.ts';
import type { PropertyName } from '../../properties/types.ts';
import type { ExploreBounds } from '../explore/arbitraries.ts';
import type { Config } from '../../models/config.ts';
import { explore, type CounterexampleClass, type ExploreProgress, type ExploreReport } from '../explore/explore.ts';
import { reportedExploreClasses } from '../explore/reported-classes.ts';
import { classRunOf, rootCausesOf } from '../explore/root-causes.ts';
import { slugOf } from '../explore/signature.ts';
import { recordTrace } from '../trace/record.ts';
import { renderHtmlReport, type CauseSection, type MatrixView } from '../trace/render-html.ts';
import { writeFileAtomic } from '../trace/store.ts';
import { inconclusiveLine, tooInconclusive } from '../check/inconclusive.ts';
import { exploreBoundsFrom, htmlFileFrom, limits, parse, seedOption, wholeNumber } from './options.ts';
import { progressReporter } from './progress.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const matrixHelp = `mqtt-dst matrix [--presets A,B,...] [--runs N] [--seed N] [--faults LIST] [--messages N] [--max-faults N] [--html FILE] [--json]
  presets x properties: each cell holds within the explored bounds, or names the simplest class that breaks it;
  then which designs hold. --html FILE: the table with each failing cell linking to its story, every preset's root causes`;

const options = {
  presets: { type: 'string' },
  runs: { type: 'string' },
  seed: { type: 'string' },
  faults: { type: 'string' },
  messages: { type: 'string' },
  'max-faults': { type: 'string' },
  html: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export interface MatrixCell {
  readonly property: PropertyName;
  /** No class breaks it and the runs were conclusive enough to say so. */
  readonly holds: boolean;
  /** No class breaks it, but too many runs were cut by a bound to say it holds. */
  readonly inconclusive: boolean;
  /** Classes breaking the property, simplest first. */
  readonly classes: readonly string[];
}

export interface MatrixRow {
  readonly preset: string;
  readonly runs: number;
  /** Runs cut by a bound, not judged. */
  readonly inconclusive: number;
  readonly cells: readonly MatrixCell[];
}

function cellsOf(classes: readonly CounterexampleClass[], cut: boolean): MatrixCell[] {
  return propertyNames.map((property) => {
    const breaking = classes.filter((entry) => entry.signature.property === property).map((entry) => entry.signature.text);
    return { property, holds: breaking.length === 0 && !cut, inconclusive: breaking.length === 0 && cut, classes: breaking };
  });
}

function cellText(cell: MatrixCell): string {
  if (cell.holds) return 'holds';
  return cell.inconclusive ? 'inconclusive' : `FAILS (${cell.classes.length})`;
}

/** A row whose runs were too often cut by a bound has no verdict where nothing broke: said on stderr. */
function rowOf(preset: string, report: ExploreReport): MatrixRow {
  const cut = tooInconclusive(report.inconclusive, report.runs);
  if (cut) process.stderr.write(inconclusiveLine(`matrix: ${preset}`, report.inconclusive, report.runs, 'runs', 'raise timing.eventsMax or timing.healingMsMax'));
  return { preset, runs: report.runs, inconclusive: report.inconclusive, cells: cellsOf(report.classes, cut) };
}

export function matrixCommand(args: readonly string[]): number {
  const { values, positionals } = parse(args, options, 'matrix');
  if (positionals.length > 0) throw new UsageError(`matrix: unexpected argument '${positionals[0]}'`);
  const html = htmlFileFrom(values.html);
  const presets = values.presets === undefined ? presetNames() : values.presets.split(',').map((name) => name.trim());
  const runs = wholeNumber(values.runs, '--runs', 2000, 1, limits.runs);
  const seed = seedOption(values.seed);
  const bounds: ExploreBounds = exploreBoundsFrom(values);
  const configs = presets.map((preset) => {
    const config = resolveConfig(preset, {});
    if (!config.ok) throw new UsageError(`--presets: ${config.error}`);
    return { preset, config: config.value };
  });
  const startedMs = performance.now();
  const progress = values.json ? undefined : progressReporter();
  const explored = configs.map(({ preset, config }, index) => {
    const what = `exploring ${preset} (preset ${index + 1} of ${configs.length})`;
    const onProgress = (at: ExploreProgress): void =>
      progress?.report({ what, done: at.phase === 'explore' ? at.done : runs, total: runs, unit: 'runs', classes: at.classes });
    // Classes are reported by name (and drawn from their first run), so no shrinking is needed here.
    const report = explore({ config, bounds, runs, seed, shrinkRunsMax: 0, onProgress });
    return { preset, config, report };
  });
  progress?.done();
  const rows: MatrixRow[] = explored.map(({ preset, report }) => rowOf(preset, report));
  const elapsedS = (performance.now() - startedMs) / 1000;
  const title = `mqtt-dst matrix: ${runs} scenarios per preset, seed ${seed}, <= ${bounds.messagesMax} messages, <= ${bounds.faultsMax} faults of ${bounds.faultKinds.join(', ') || 'no kind'} (${elapsedS.toFixed(1)} s)`;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ runs, seed, faults: bounds.faultKinds, messagesMax: bounds.messagesMax, faultsMax: bounds.faultsMax, rows, conclusion: conclusionOf(rows) })}\n`);
  } else {
    process.stdout.write(matrixText(title, rows));
  }
  if (html !== undefined) {
    writeFileAtomic(html, renderHtmlReport({ title, facts: [evidenceNote], sections: explored.map(sectionOf), matrix: matrixView(rows) }));
    process.stderr.write(`HTML report: ${html}\n`);
  }
  // The table is the result, FAILS cells included; only a cell that cannot be filled in changes the code.
  return rows.some((row) => row.cells.some((cell) => cell.inconclusive)) ? exitCodes.inconclusive : exitCodes.ok;
}

const evidenceNote = '"holds" means no violation in the explored scenarios, not a proof; `mqtt-dst check --exhaustive` proves within bounds.';

/** Names in prose: "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The answer the table gives: which designs keep every message handled exactly once, and what each property holds for. */
export function conclusionOf(rows: readonly MatrixRow[]): string[] {
  const holds = (row: MatrixRow, property: PropertyName): boolean => row.cells.find((cell) => cell.property === property)?.holds === true;
  const processing: readonly PropertyName[] = ['no-loss-acked', 'no-loss-invoked', 'no-duplicate'];
  const exactlyOnce = rows.filter((row) => processing.every((property) => holds(row, property))).map((row) => row.preset);
  const lines = [
    exactlyOnce.length === 0
      ? 'No design keeps every message handled exactly once (no loss, no duplicate handling) in the explored scenarios.'
      : `Every message handled exactly once (no loss, no duplicate handling) in the explored scenarios: ${listed(exactlyOnce)}.`,
  ];
  for (const property of propertyNames) {
    const holding = rows.filter((row) => holds(row, property)).map((row) => row.preset);
    const text = holding.length === rows.length ? 'holds for every design' : holding.length === 0 ? 'fails for every design' : `holds for ${listed(holding)} only`;
    lines.push(`${property} ${text}.`);
  }
  return lines;
}

function matrixText(title: string, rows: readonly MatrixRow[]): string {
  const width = Math.max(8, ...rows.map((row) => row.preset.length));
  const columns = propertyNames.map((name) => Math.max(name.length, 12));
  const lines = [title, '', `${'preset'.padEnd(width)}  ${propertyNames.map((name, i) => name.padEnd(columns[i] ?? 0)).join('  ')}`];
  for (const row of rows) {
    const cells = row.cells.map((cell, i) => cellText(cell).padEnd(columns[i] ?? 0));
    lines.push(`${row.preset.padEnd(width)}  ${cells.join('  ')}`);
  }
  lines.push('', ...conclusionOf(rows), '', evidenceNote);
  for (const row of rows) {
    const failing = row.cells.filter((cell) => cell.classes.length > 0);
    if (failing.length === 0) continue;
    lines.push('', `${row.preset}: simplest way each property fails`);
    for (const cell of failing) lines.push(`  ${cell.classes[0] ?? ''}${cell.classes.length > 1 ? `  (+${cell.classes.length - 1} more)` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function idPrefixOf(preset: string): string {
  return `${slugOf(preset)}-`;
}

/** A preset's classes as root causes, for the HTML report: each class's first run recorded as a trace and replayed. */
function sectionOf({ preset, config, report }: { readonly preset: string; readonly config: Config; readonly report: ExploreReport }): CauseSection {
  const written = report.classes.map((entry) => ({ entry, file: null, trace: recordTrace({ preset, overrides: {}, config, explored: entry.minimal, signature: entry.signature.text }) }));
  const causes = rootCausesOf(reportedExploreClasses(written).map(classRunOf));
  return { idPrefix: idPrefixOf(preset), heading: `${preset}: root causes`, causes, countUnit: 'run', sound: `${preset}: no violation in ${report.runs} scenarios` };
}

function matrixView(rows: readonly MatrixRow[]): MatrixView {
  return {
    properties: propertyNames,
    rows: rows.map((row) => ({
      preset: row.preset,
      idPrefix: idPrefixOf(row.preset),
      cells: row.cells.map((cell) => ({ property: cell.property, holds: cell.holds, inconclusive: cell.inconclusive, classes: cell.classes.length, simplest: cell.classes[0] ?? null })),
    })),
    conclusion: conclusionOf(rows),
  };
}
