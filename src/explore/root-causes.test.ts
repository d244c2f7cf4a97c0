// Root causes on a small exhaustive search (blog, 1 message, one client crash or link drop): they
// partition the classes, a class is placed under another only when that class's own run shows it
// for the same message, what stays on top is implied by nothing, and the order is worst first.
import { describe, expect, it } from 'vitest';
import { causeNumbers, rootCauseSummary, summaryLinesMax, summaryRows } from '../trace/render-root-causes.ts';
import { storyOf, titleOf } from '../trace/story.ts';
import { runShard } from '../check/exhaustive-shard.ts';
import { checkClassTraces, reportedCheckClasses } from './reported-classes.ts';
import { classesOf, classRunOf, mechanismOf, rootCausesOf, severityOf, type ClassRun } from './root-causes.ts';
import { smallBounds } from '../check/test-bounds.ts';

const bounds = smallBounds;

const result = runShard({ preset: 'blog', overrides: {}, bounds, shard: { index: 0, count: 1 } });
const traces = checkClassTraces(result);
if (!traces.ok) throw new Error(traces.error);
const runs = reportedCheckClasses(result, traces.value).map(classRunOf);
const causes = rootCausesOf(runs);

/** Does `worse`'s own run show `weaker`'s signature for the message `worse` is about? */
function shownOn(worse: ClassRun, weaker: ClassRun): boolean {
  return worse.shown.get(weaker.entry.signature)?.has(worse.violation.message) === true;
}

describe('root causes of blog, 1 message, one client crash or link drop', () => {
  it('explain every class exactly once, with fewer root causes than classes', () => {
    const placed = causes.flatMap(classesOf).map((run) => run.entry.signature).sort();
    expect(placed).toEqual(result.classes.map((entry) => entry.signature).sort());
    expect(result.classes.length).toBeGreaterThan(10);
    expect(causes.length).toBeGreaterThan(1);
    expect(causes.length).toBeLessThan(result.classes.length / 2);
  });

  it('put a class under another only when the worse class run shows it for the same message', () => {
    let implied = 0;
    for (const cause of causes) {
      for (const { run, implied: weaker } of cause.classes) {
        for (const entry of weaker) {
          implied += 1;
          expect(severityOf(entry.signature.property)).toBeGreaterThan(severityOf(run.signature.property));
          // Directly, or through a class placed under the same head.
          expect(shownOn(run, entry) || weaker.some((middle) => shownOn(run, middle) && shownOn(middle, entry))).toBe(true);
        }
      }
    }
    // An acknowledged loss is also an invoked loss: this bound has such pairs.
    expect(implied).toBeGreaterThan(0);
  });

  it('keep on top only classes no worse class implies, grouped by one mechanism each', () => {
    const heads = causes.flatMap((cause) => cause.classes.map(({ run }) => ({ cause, run })));
    for (const { cause, run } of heads) {
      for (const other of runs) {
        if (severityOf(other.signature.property) < severityOf(run.signature.property)) expect(shownOn(other, run)).toBe(false);
      }
      expect(mechanismOf(run.signature)).toBe(mechanismOf(cause.signature));
    }
    expect(new Set(causes.map((cause) => mechanismOf(cause.signature))).size).toBe(causes.length);
  });

  it('order root causes worst first: acknowledged loss, invoked loss, duplicate handling, order, library level', () => {
    const ranks = causes.map((cause) => severityOf(cause.property));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const [worst] = causes;
    if (worst === undefined) throw new Error('no root cause');
    expect(worst.property).toBe('no-loss-acked');
    expect(titleOf(worst)).toBe('acknowledged message lost: consumer crashes');
  });

  it('tell each story from its shortest run: the fault, when it struck, where the message was, what became of it', () => {
    for (const cause of causes) {
      const story = storyOf(cause.shortest);
      const [culprit] = cause.shortest.signature.culpritPhases;
      if (culprit === undefined) throw new Error(`${titleOf(cause)}: no culprit fault`);
      expect(story).toContain(`at ${culprit.atMs} ms`);
      expect(story).toContain(culprit.step);
      expect(story).toContain(`m${cause.shortest.violation.message}`);
      expect(story.split('. ').length).toBeGreaterThanOrEqual(2);
      for (const run of cause.classes.map((entry) => entry.run)) {
        expect(run.replay.result.stats.events).toBeGreaterThanOrEqual(cause.shortest.replay.result.stats.events);
      }
    }
  });

  it('fit one screen: all of them when few, folding those that need several faults together when many', () => {
    expect(summaryRows(causes).every((row) => row.kind === 'cause')).toBe(true);
    const [single, ...rest] = causes;
    if (single === undefined) throw new Error('no root cause');
    // Many: the first as it is, then fourteen that each need two faults, of one effect.
    const twoFaults = { ...single, signature: { ...single.signature, culprits: 2 } };
    const many = [single, ...Array.from({ length: 14 }, () => twoFaults), ...rest];
    const rows = summaryRows(many);
    expect(rows.map((row) => row.kind)).toEqual(['cause', 'combined', ...rest.map(() => 'cause')]);
    expect(rows.length).toBeLessThanOrEqual(summaryLinesMax);
    const folded = rows[1];
    expect(folded?.kind === 'combined' ? causeNumbers(folded.indices) : null).toBe('causes 2-15');
    expect(rootCauseSummary(many, { countUnit: 'run' })[2]).toMatch(/^ {5}acknowledged message lost, with two or more faults together: causes 2-15 below {2}\[/);
    expect(causeNumbers([2, 4, 6])).toBe('causes 3, 5 and 7');
  });
});
