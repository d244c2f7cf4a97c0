// The scenario as a real run actually ran it. A real run is late: a loaded machine fires a
// publish, an offline period or a time fault tens or hundreds of milliseconds after its time,
// and strikes an anchored fault later after its anchor than asked. The model runs the scenario
// on time, so its verdict can differ for no reason but that lateness. The as-run scenario puts
// each item at the real instant it happened (whole milliseconds, rounded down), so the model
// can be asked whether the broker's verdict follows from what was actually done: a race, not a
// rule (src/real/differential.ts explain).
import type { HistoryEvent } from '../../models/history.ts';
import type { Fault, OfflinePeriod, PublishSpec, Scenario } from '../../models/scenario.ts';

export interface RealTimes {
  /** When each message's publish fell due, by index (undefined: never). */
  readonly dueMs: readonly (number | undefined)[];
  /** When each offline period really began and ended, by index. */
  readonly offline: readonly { readonly fromMs?: number; readonly toMs?: number }[];
  /** When each fault struck, by index (undefined: it did not). */
  readonly struckMs: readonly (number | undefined)[];
}

function anchorMs(history: readonly HistoryEvent[], fault: Fault): number | undefined {
  const when = fault.when;
  if (when.kind !== 'event') return undefined;
  const found = history.find((event) => event.kind === when.event && 'message' in event && event.message === when.message);
  return found?.atMs;
}

export function asRunScenario(scenario: Scenario, history: readonly HistoryEvent[], times: RealTimes): Scenario {
  const messages = scenario.messages.map((message, index): PublishSpec => {
    const due = times.dueMs[index];
    return due === undefined ? message : { ...message, atMs: Math.max(message.atMs, Math.floor(due)) };
  });
  const offline = scenario.offline.map((period, index): OfflinePeriod => {
    const real = times.offline[index];
    const fromMs = real?.fromMs === undefined ? period.fromMs : Math.max(period.fromMs, Math.floor(real.fromMs));
    const toMs = real?.toMs === undefined ? period.toMs : Math.floor(real.toMs);
    return { fromMs, toMs: Math.max(toMs, fromMs + 1) };
  });
  const faults = scenario.faults.map((fault, index): Fault => {
    const struck = times.struckMs[index];
    if (struck === undefined) return fault;
    const when = fault.when;
    if (when.kind === 'time') return { ...fault, when: { kind: 'time', atMs: Math.max(when.atMs, Math.floor(struck)) } };
    const anchor = anchorMs(history, fault);
    if (anchor === undefined) return fault;
    return { ...fault, when: { ...when, delayMs: Math.max(when.delayMs, Math.floor(struck - anchor)) } };
  });
  return { messages, offline, faults };
}
