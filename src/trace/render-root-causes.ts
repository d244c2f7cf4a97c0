// Root causes as text: a summary that fits one screen (one line per root cause, worst first),
// then each root cause in detail: its story, the faults it needs, the steps it was met at, and
// the classes it explains, each with the weaker classes its run implies.
import type { RootCause } from '../explore/root-causes.ts';
import { classesOf } from '../explore/root-causes.ts';
import { storyOf, titleOf } from './story.ts';

export interface RootCauseTextOptions {
  /** What a class's count counts, singular: "run" (explore) or "complete run" (check --exhaustive). */
  readonly countUnit: string;
}

function count(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : word.endsWith('ss') ? 'es' : 's'}`;
}

/** The one-screen summary: how many root causes explain how many classes, one line each. */
export function rootCauseSummary(causes: readonly RootCause[], options: RootCauseTextOptions): string[] {
  const classes = causes.reduce((total, cause) => total + classesOf(cause).length, 0);
  const lines = [`${count(causes.length, 'root cause')} explain the ${count(classes, 'class')}, worst first:`];
  causes.forEach((cause, index) => {
    lines.push(`${String(index + 1).padStart(3)}. ${titleOf(cause)}  [${count(classesOf(cause).length, 'class')}, ${count(cause.count, options.countUnit)}]`);
  });
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
