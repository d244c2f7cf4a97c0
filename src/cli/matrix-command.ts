// `mqtt-dst matrix`: the blog's open question as one table — presets (candidate designs) ×
// properties, each cell "holds" within the explored bounds or the simplest class that breaks it.
import { performance } from 'node:perf_hooks';
import { presetNames, resolveConfig } from '../../models/presets.ts';
import { propertyNames } from '../../properties/index.ts';
import type { PropertyName } from '../../properties/types.ts';
import type { ExploreBounds } from '../explore/arbitraries.ts';
import { explore, type CounterexampleClass } from '../explore/explore.ts';
import { exploreBoundsFrom, limits, parse, seedOption, wholeNumber } from './options.ts';
import { clearProgress } from './progress.ts';
import { inconclusiveLine, tooInconclusive } from '../check/inconclusive.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const matrixHelp = `mqtt-dst matrix [--presets A,B,...] [--runs N] [--seed N] [--faults LIST] [--messages N] [--max-faults N] [--json]
  presets x properties: each cell holds within the explored bounds, or names the simplest class that breaks it`;

const options = {
  presets: { type: 'string' },
  runs: { type: 'string' },
  seed: { type: 'string' },
  faults: { type: 'string' },
  messages: { type: 'string' },
  'max-faults': { type: 'string' },
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

export function matrixCommand(args: readonly string[]): number {
  const { values, positionals } = parse(args, options, 'matrix');
  if (positionals.length > 0) throw new UsageError(`matrix: unexpected argument '${positionals[0]}'`);
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
  const rows: MatrixRow[] = configs.map(({ preset, config }, index) => {
    if (!values.json && process.stderr.isTTY) process.stderr.write(`\r\x1b[Kexploring ${preset} (${index + 1}/${configs.length})`);
    // Classes are reported by name only, so no shrinking is needed here.
    const report = explore({ config, bounds, runs, seed, shrinkRunsMax: 0 });
    const cut = tooInconclusive(report.inconclusive, report.runs);
    if (cut) process.stderr.write(inconclusiveLine(`matrix: ${preset}`, report.inconclusive, report.runs, 'runs', 'raise timing.eventsMax or timing.healingMsMax'));
    return { preset, runs: report.runs, inconclusive: report.inconclusive, cells: cellsOf(report.classes, cut) };
  });
  clearProgress();
  const elapsedS = (performance.now() - startedMs) / 1000;
  // The table is the result, FAILS cells included; only a cell that cannot be filled in changes the code.
  const code = rows.some((row) => row.cells.some((cell) => cell.inconclusive)) ? exitCodes.inconclusive : exitCodes.ok;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ runs, seed, faults: bounds.faultKinds, messagesMax: bounds.messagesMax, faultsMax: bounds.faultsMax, rows })}\n`);
    return code;
  }
  const width = Math.max(8, ...presets.map((preset) => preset.length));
  const columns = propertyNames.map((name) => Math.max(name.length, 12));
  const lines = [
    `mqtt-dst matrix: ${runs} scenarios per preset, seed ${seed}, <= ${bounds.messagesMax} messages, <= ${bounds.faultsMax} faults of ${bounds.faultKinds.join(', ') || 'no kind'} (${elapsedS.toFixed(1)} s)`,
    '',
    `${'preset'.padEnd(width)}  ${propertyNames.map((name, i) => name.padEnd(columns[i] ?? 0)).join('  ')}`,
  ];
  for (const row of rows) {
    const cells = row.cells.map((cell, i) => cellText(cell).padEnd(columns[i] ?? 0));
    lines.push(`${row.preset.padEnd(width)}  ${cells.join('  ')}`);
  }
  lines.push('', '"holds" means no violation in the explored scenarios, not a proof; `mqtt-dst check --exhaustive` proves within bounds.');
  for (const row of rows) {
    const failing = row.cells.filter((cell) => cell.classes.length > 0);
    if (failing.length === 0) continue;
    lines.push('', `${row.preset}: simplest way each property fails`);
    for (const cell of failing) lines.push(`  ${cell.classes[0] ?? ''}${cell.classes.length > 1 ? `  (+${cell.classes.length - 1} more)` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return code;
}
