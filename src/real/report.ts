// What check-broker prints: the model's verdict beside the real broker's, property by property,
// with the messages each side lost or duplicated; pure functions of a Comparison.
import type { HistoryEvent } from '../../models/history.ts';
import { propertyNames } from '../../properties/index.ts';
import type { Violation } from '../../properties/types.ts';
import { activityOf } from './activity.ts';
import type { BatchEntry } from './batch.ts';
import { lateMsTolerated, verdictKeys, type Comparison, type Explanation, type VerdictKey } from './differential.ts';

export interface Outcome {
  /** Messages a no-loss property found missing at a consumer. */
  readonly lost: readonly number[];
  /** Messages some consumer handled more than once. */
  readonly duplicated: readonly number[];
  /** Messages some consumer's library accepted more than once. */
  readonly deliveredTwice: readonly number[];
}

function sortedUnique(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function repeated(history: readonly HistoryEvent[], kind: 'handled' | 'delivered'): number[] {
  const counts = new Map<string, number>();
  const out: number[] = [];
  for (const event of history) {
    if (event.kind !== kind) continue;
    const key = `${event.node}\u0000${event.message}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count === 2) out.push(event.message);
  }
  return sortedUnique(out);
}

export function outcomeOf(history: readonly HistoryEvent[], violations: readonly Violation[]): Outcome {
  const lost = violations.filter((v) => v.property === 'no-loss-acked' || v.property === 'no-loss-invoked').map((v) => v.message);
  return { lost: sortedUnique(lost), duplicated: repeated(history, 'handled'), deliveredTwice: repeated(history, 'delivered') };
}

function messages(list: readonly number[]): string {
  return list.length === 0 ? '-' : list.map((m) => `m${m}`).join(' ');
}

function verdictCell(keys: readonly VerdictKey[], property: string): string {
  const hit = keys.filter((key) => key.property === property);
  return hit.length === 0 ? 'holds' : `violated: ${messages(hit.map((key) => key.message))}`;
}

export function explanationText(explanation: Explanation, target: string): string {
  if (explanation.kind === 'late') {
    return `inconclusive: no model run (${explanation.seeds} seeds) gives ${target}'s verdict, but the harness ran late (clients' timers up to ${explanation.lateMs} ms late, the event loop stalled up to ${explanation.stallMs} ms; tolerated: ${lateMsTolerated} ms), so this run cannot tell a rule from the load; rerun it with fewer scenarios at once`;
  }
  return explanation.kind === 'timing'
    ? `timing: the model gives ${target}'s verdict with ${explanation.reaching} of ${explanation.seeds} seeds at latency ${explanation.latencyMsMin}-${explanation.latencyMsMax} ms (first: seed ${explanation.firstSeed})` +
        (explanation.asRun ? ', run with the scenario as the real run ran it (items late by the machine)' : '') +
        '; the two raced differently'
    : `semantics: no model run (${explanation.seeds} seeds, latencies 0-1, 0-5 ms and as configured, the scenario as planned and as run) gives ${target}'s verdict; the model cannot produce what ${target} did`;
}

/** The side-by-side table of one comparison. */
export function comparisonTable(comparison: Comparison, indent = '     '): string[] {
  const { model, real } = comparison;
  const modelKeys = verdictKeys(model.violations);
  const realKeys = verdictKeys(real.violations);
  const left = `model (seed ${model.seed})`;
  const width = Math.max(22, ...propertyNames.map((name) => name.length)) + 2;
  const column = Math.max(left.length, ...propertyNames.map((name) => verdictCell(modelKeys, name).length)) + 2;
  const row = (a: string, b: string, c: string) => `${indent}${a.padEnd(width)}${b.padEnd(column)}${c}`;
  const lines = [row('property', left, real.target)];
  for (const name of propertyNames) {
    const mark = verdictCell(modelKeys, name) === verdictCell(realKeys, name) ? '' : '   <- differs';
    lines.push(row(name, verdictCell(modelKeys, name), verdictCell(realKeys, name) + mark));
  }
  const m = outcomeOf(model.history, model.violations);
  const r = outcomeOf(real.history, real.violations);
  lines.push(row('messages lost', messages(m.lost), messages(r.lost)));
  lines.push(row('handled twice', messages(m.duplicated), messages(r.duplicated)));
  lines.push(row('delivered twice', messages(m.deliveredTwice), messages(r.deliveredTwice)));
  // What happened, beside what was judged (activity.ts): a broker that did nothing shows here.
  const ma = activityOf(model.history);
  const ra = activityOf(real.history);
  lines.push(row('SUBACKs received', String(ma.subscribed), String(ra.subscribed)));
  lines.push(row('delivered', messages(ma.delivered), messages(ra.delivered)));
  lines.push(row('handled', messages(ma.handled), messages(ra.handled)));
  const realEnd = real.end === 'quiescent' ? `quiescent after ${real.elapsedMs.toFixed(0)} ms` : `HIT THE CAP after ${real.elapsedMs.toFixed(0)} ms`;
  lines.push(row('run ended', model.end, realEnd));
  if (comparison.inconclusive) lines.push(`${indent}inconclusive: a run was cut by a bound (its history stops mid-protocol); not compared`);
  if (comparison.explanation !== undefined) lines.push(`${indent}disagreement, ${explanationText(comparison.explanation, real.target)}`);
  return lines;
}

export function verdictSummary(violations: readonly Violation[], history: readonly HistoryEvent[]): string {
  if (violations.length === 0) return 'no violation';
  const outcome = outcomeOf(history, violations);
  const properties = [...new Set(violations.map((v) => v.property))].join(', ');
  const parts = [properties];
  if (outcome.lost.length > 0) parts.push(`lost ${messages(outcome.lost)}`);
  if (outcome.duplicated.length > 0) parts.push(`handled twice ${messages(outcome.duplicated)}`);
  return parts.join('; ');
}

export interface BatchTally {
  readonly scenarios: number;
  readonly agree: number;
  readonly agreeViolating: number;
  readonly disagree: number;
  readonly timing: number;
  readonly semantics: number;
  /** Disagreements a busy machine leaves undecided (Explanation 'late'). */
  readonly late: number;
  readonly errors: number;
  /** Comparisons with a side cut by a bound (the real run's cap, the model's event or healing bound): not compared. */
  readonly inconclusive: number;
  readonly capHits: number;
}

export function tally(entries: readonly BatchEntry[]): BatchTally {
  let agree = 0;
  let agreeViolating = 0;
  let disagree = 0;
  let timing = 0;
  let semantics = 0;
  let late = 0;
  let errors = 0;
  let inconclusive = 0;
  let capHits = 0;
  for (const entry of entries) {
    if (!('comparison' in entry)) {
      errors += 1;
      continue;
    }
    const comparison = entry.comparison;
    if (comparison.real.end === 'cap') capHits += 1;
    if (comparison.inconclusive) {
      inconclusive += 1;
    } else if (comparison.agree) {
      agree += 1;
      if (comparison.real.violations.length > 0) agreeViolating += 1;
    } else {
      disagree += 1;
      if (comparison.explanation?.kind === 'timing') timing += 1;
      else if (comparison.explanation?.kind === 'late') late += 1;
      else semantics += 1;
    }
  }
  return { scenarios: entries.length, agree, agreeViolating, disagree, timing, semantics, late, errors, inconclusive, capHits };
}

export function comparisonJson(comparison: Comparison): object {
  const side = (violations: readonly Violation[], history: readonly HistoryEvent[]) => ({
    verdicts: verdictKeys(violations),
    ...outcomeOf(history, violations),
  });
  return {
    agree: comparison.agree,
    inconclusive: comparison.inconclusive,
    model: { seed: comparison.model.seed, end: comparison.model.end, ...side(comparison.model.violations, comparison.model.history) },
    real: {
      target: comparison.real.target,
      end: comparison.real.end,
      elapsedMs: Math.round(comparison.real.elapsedMs),
      ...side(comparison.real.violations, comparison.real.history),
    },
    activity: { model: activityOf(comparison.model.history), real: activityOf(comparison.real.history) },
    onlyModel: comparison.onlyModel,
    onlyReal: comparison.onlyReal,
    ...(comparison.explanation === undefined ? {} : { explanation: comparison.explanation }),
  };
}
