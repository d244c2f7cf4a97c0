// The progress line: in a log at most one line per interval, whole lines; the rate and the
// estimate are of the phase in progress.
import { describe, expect, it } from 'vitest';
import { progressReporter } from './progress.ts';

function fakeStream(isTTY: boolean): { readonly stream: NodeJS.WriteStream; readonly written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

describe('progress on stderr', () => {
  it('in a log: a whole line at most every interval, with the rate and the time left of the phase', () => {
    let nowMs = 0;
    const { stream, written } = fakeStream(false);
    const progress = progressReporter(stream, { logEveryMs: 3000, now: () => nowMs });
    const exploring = (done: number) => ({ what: 'exploring', done, total: 2000, unit: 'runs', classes: 4 });
    nowMs = 1000;
    progress.report(exploring(100));
    expect(written).toEqual([]);
    nowMs = 3000;
    progress.report(exploring(500));
    nowMs = 4000;
    progress.report(exploring(700));
    expect(written).toEqual(['exploring: 500/2,000 runs, 4 classes so far, 167 runs/s, about 9 s left, 3 s elapsed\n']);
    // A new phase: its rate counts from its own first report.
    nowMs = 6000;
    progress.report({ what: 'shrinking', done: 0, total: 10, unit: 'classes', classes: 9 });
    nowMs = 9000;
    progress.report({ what: 'shrinking', done: 6, total: 10, unit: 'classes', classes: 9 });
    expect(written.slice(1)).toEqual(['shrinking: 0/10 classes, 9 classes so far, 6 s elapsed\n', 'shrinking: 6/10 classes, 9 classes so far, 2 classes/s, about 2 s left, 9 s elapsed\n']);
    progress.done();
    expect(written).toHaveLength(3);
  });

  it('on a terminal: one line rewritten in place, cleared at the end', () => {
    let nowMs = 0;
    const { stream, written } = fakeStream(true);
    const progress = progressReporter(stream, { ttyEveryMs: 200, now: () => nowMs });
    nowMs = 500;
    progress.report({ what: 'searching', done: 50_000, total: null, unit: 'states', classes: 2 });
    progress.done();
    expect(written).toEqual(['\r\x1b[Ksearching: 50,000 states, 2 classes so far, 100,000 states/s, 1 s elapsed', '\r\x1b[K']);
  });
});
