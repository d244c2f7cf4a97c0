// What an exploration counts over its runs: how each ended, events, runs and violations.
import type { RunEnd } from '../sim/log.ts';
import type { Evaluation } from './evaluate.ts';

export class RunTally {
  readonly ends: Record<RunEnd, number> = { quiescent: 0, 'events-max': 0, 'healing-ms-max': 0 };
  violatingRuns = 0;
  violations = 0;
  events = 0;

  add(evaluation: Evaluation): void {
    this.ends[evaluation.result.stats.end] += 1;
    this.events += evaluation.result.stats.events;
    if (evaluation.violations.length > 0) {
      this.violatingRuns += 1;
      this.violations += evaluation.violations.length;
    }
  }
}
