// Root causes as text: a summary that fits one screen (one line per root cause, worst first),
// then each root cause in detail: its story, the faults it needs, the steps it was met at, and
// the classes it explains, each with the weaker classes its run implies.
import type { RootCause } from '../explore/root-causes.ts';
import { classesOf } from '../explore/root-causes.ts';
import { effectOf, storyOf, titleOf } from './story.ts';

export interface RootCauseTextOptions {
  /** What a class's count counts, singular: "run" (explore) or "complete run" (check --exhaustive). */
  readonly countUnit: string;
}

function count(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : word.endsWith('ss') ? 'es' : 's'}`;
}

/** Root causes on one screen at most: more than this, and those that need several faults together are folded. */
export const summaryLinesMax = 12;

/** A line of the summary: one root cause, or the root causes of one effect that each need several faults together. */
export type SummaryRow =
  | { readonly kind: 'cause'; readonly index: number; readonly cause: RootCause }
  | { readonly kind: 'combined'; readonly indices: readonly number[]; readonly causes: readonly RootCause[] };

/**
 * The summary's lines, worst first. When there are more root causes than fit one screen (as
 * random exploration with several faults a run finds), those that need two or more faults
 * together are folded into one line per effect, naming the numbers they have in the details:
 * the stories one fault tells stay on the first screen.
 */
export function summaryRows(causes: readonly RootCause[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const fold = causes.length > summaryLinesMax;
  causes.forEach((cause, index) => {
    const last = rows[rows.length - 1];
    if (!fold || cause.signature.culprits < 2) {
      rows.push({ kind: 'cause', index, cause });
    } else if (last?.kind === 'combined' && last.causes[0]?.property === cause.property) {
      rows[rows.length - 1] = { kind: 'combined', indices: [...last.indices, index], causes: [...last.causes, cause] };
    } else {
      rows.push({ kind: 'combined', indices: [index], causes: [cause] });
    }
  });
  return rows;
}

/** "causes 3-9" or "causes 3, 5 and 7" (1-based, as the details number them). */
export function causeNumbers(indices: readonly number[]): string {
  const numbers = indices.map((index) => index + 1);
  const first = numbers[0] ?? 0;
  const last = numbers[numbers.length - 1] ?? 0;
  if (numbers.length === 1) return `cause ${first}`;
  if (last - first + 1 === numbers.length) return `causes ${first}-${last}`;
  return `causes ${numbers.slice(0, -1).join(', ')} and ${last}`;
}

/** The one-screen summary: how many root causes explain how many classes, one line each (see summaryRows). */
export function rootCauseSummary(causes: readonly RootCause[], options: RootCauseTextOptions): string[] {
  const classes = causes.reduce((total, cause) => total + classesOf(cause).length, 0);
  const lines = [`${count(causes.length, 'root cause')} ${causes.length === 1 ? 'explains' : 'explain'} the ${count(classes, 'class')}, worst first:`];
  for (const row of summaryRows(causes)) {
    if (row.kind === 'cause') {
      lines.push(`${String(row.index + 1).padStart(3)}. ${titleOf(row.cause)}  [${count(classesOf(row.cause).length, 'class')}, ${count(row.cause.count, options.countUnit)}]`);
    } else {
      const folded = row.causes.reduce((total, cause) => total + classesOf(cause).length, 0);
      const seen = row.causes.reduce((total, cause) => total + cause.count, 0);
      const effect = effectOf(row.causes[0]?.property ?? 'no-loss-acked');
      lines.push(`     ${effect}, with two or more faults together: ${causeNumbers(row.indices)} below  [${count(folded, 'class')}, ${count(seen, options.countUnit)}]`);
    }
  }
  return lines;
}

/** Each root cause in full: story, needs, steps, classes with their replay commands. */
export function rootCauseDetails(causes: readonly RootCause[], options: RootCauseTextOptions): string[] {
  const lines: string[] = [];
  causes.forEach((cause, index) => {
    const faults = cause.signature.culpritPhases.map((phase) => phase.label);
    const steps = [...new Set(cause.classes.flatMap(({ run }) => run.signature.culpritPhases.map((phase) => phase.step)))];
    lines.push('', `${String(index + 1).padStart(3)}. ${titleOf(cause)}`);
    lines.push(`     ${storyOf(cause.shortest)}`);
    lines.push(
      `     needs: ${faults.length === 0 ? 'no fault' : faults.join(' + ')}; seen in ${count(cause.count, options.countUnit)}` +
        (steps.length === 0 ? '' : `; met with the message at: ${steps.join(', ')}`),
    );
    for (const { run, implied } of cause.classes) {
      lines.push(`     - ${run.entry.signature}  (${count(run.entry.count, options.countUnit)})`);
      if (run.entry.file !== null) lines.push(`         replay: npx mqtt-dst replay ${run.entry.file}`);
      for (const weaker of implied) lines.push(`         implies ${weaker.entry.signature}`);
    }
  });
  return lines;
}
