// The exhaustive search on a small bound: its class list is the committed one, it is the same
// every time and however it is sharded, and every shortest path is a trace that replays.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import { recordExhaustiveTrace, replayTrace } from '../trace/record.ts';
import { parseTrace } from '../trace/format.ts';
import { serializeTrace } from '../trace/store.ts';
import { exhaustiveButForOfChoices } from './exhaustive-culprit.ts';
import { checkResultOf, mergeCheckResults, type CheckResult } from './exhaustive-result.ts';
import { exhaustiveScenario, exhaustiveSearch, type ExhaustiveBounds, type ExhaustiveReport } from './exhaustive.ts';
import { signaturesOf } from '../explore/signature.ts';
import { smallBounds } from './test-bounds.ts';

const expectedFile = new URL('./exhaustive-expected.json', import.meta.url);


function blog() {
  const config = resolveConfig('blog', {});
  if (!config.ok) throw new Error(config.error);
  return config.value;
}

function search(bounds: ExhaustiveBounds, shard?: { index: number; count: number }): ExhaustiveReport {
  return exhaustiveSearch({ config: blog(), bounds, ...(shard === undefined ? {} : { shard }) });
}

function resultOf(report: ExhaustiveReport, shard = { index: 0, count: 1 }): CheckResult {
  return checkResultOf(report, { preset: 'blog', overrides: {}, shard });
}

/** What two searches must agree on: each class, its shortest path and its choices. */
function classesOf(result: CheckResult): unknown[] {
  return result.classes.map(({ signature, steps, choices, order, path }) => ({ signature, steps, choices, order, path }));
}

const small = search(smallBounds);

describe('exhaustive search on a small bound (blog, 1 message, one client crash or link drop)', () => {
  it('searches every state within the bounds', () => {
    expect(small.depthBounded).toBe(0);
    expect(small.states).toBeGreaterThan(1_000);
    expect(small.statesByDepth.reduce((a, b) => a + b, 0)).toBe(small.states);
  });

  it('finds the committed class list (MQTT_DST_UPDATE_EXPECTED=1 rewrites it)', () => {
    const found = {
      preset: 'blog',
      bounds: smallBounds,
      classes: small.classes.map((entry) => ({ signature: entry.signature.text, steps: entry.steps })),
    };
    if (process.env['MQTT_DST_UPDATE_EXPECTED'] === '1') writeFileSync(expectedFile, `${JSON.stringify(found, null, 2)}\n`);
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as typeof found;
    expect(found).toEqual(expected);
  });

  it('gives the same classes and the same shortest paths when run again', () => {
    expect(classesOf(resultOf(search(smallBounds)))).toEqual(classesOf(resultOf(small)));
  });

  it('gives the same classes and shortest paths split into shards and merged', () => {
    const count = 2;
    const shards = Array.from({ length: count }, (_, index) => resultOf(search(smallBounds, { index, count }), { index, count }));
    const merged = mergeCheckResults(shards);
    if (!merged.ok) throw new Error(merged.error);
    expect(merged.value.complete).toBe(true);
    expect(classesOf(merged.value)).toEqual(classesOf(resultOf(small)));
  });

  it('writes every shortest path as a trace that replays byte for byte and shows its class', () => {
    const config = blog();
    const scenario = exhaustiveScenario(smallBounds.messages);
    for (const entry of small.classes) {
      const written = recordExhaustiveTrace({ preset: 'blog', overrides: {}, config, scenario, choices: entry.choices, signature: entry.signature.text });
      const trace = parseTrace(JSON.parse(serializeTrace(written)), entry.id);
      if (!trace.ok) throw new Error(trace.error);
      expect(trace.value.mode).toBe('exhaustive');
      const replay = replayTrace(trace.value);
      if (!replay.ok) throw new Error(replay.error);
      expect(replay.value.divergences).toEqual([]);
      expect(replay.value.result.stats.events + replay.value.result.faults.length).toBe(entry.steps);
      const picker = exhaustiveButForOfChoices(config, scenario, entry.choices);
      const shown = signaturesOf(replay.value.violations, replay.value.result.history, replay.value.result.faults, picker).map((s) => s.text);
      expect(shown).toContain(entry.signature.text);
    }
  });

  it('finds nothing without faults, and says the search was complete', () => {
    const report = search({ ...smallBounds, messages: 2, faultKinds: [] });
    expect(report.classes).toEqual([]);
    expect(report.depthBounded).toBe(0);
    expect(report.terminals).toBeGreaterThan(1);
  });

  it('reports states cut by the depth bound', () => {
    const report = search({ ...smallBounds, depthMax: 10 });
    expect(report.depthBounded).toBeGreaterThan(0);
    expect(report.maxDepth).toBe(10);
  });
});

describe('the resend bound (outbox-e2e: the resend timer may fire at any point)', () => {
  const outbox = (preset: string) => {
    const config = resolveConfig(preset, {});
    if (!config.ok) throw new Error(config.error);
    return config.value;
  };
  const faultFree: ExhaustiveBounds = { ...smallBounds, faultKinds: [] };

  it('makes the search finite, reports the runs it cut, and finds the duplicate of an early resend', () => {
    const report = exhaustiveSearch({ config: outbox('outbox-e2e'), bounds: faultFree });
    expect(report.depthBounded).toBe(0);
    expect(report.resendBounded).toBeGreaterThan(0);
    // A resend that fires before the reply came publishes the message again: handled twice.
    expect(report.classes.map((entry) => entry.signature.text)).toEqual(['exactly-once-delivery / no fault', 'no-duplicate / no fault']);
  });

  it('with no resend, nothing fails without faults; a dedup consumer absorbs the early resend', () => {
    expect(exhaustiveSearch({ config: outbox('outbox-e2e'), bounds: { ...faultFree, resendsMax: 0 } }).classes).toEqual([]);
    const dedup = exhaustiveSearch({ config: outbox('outbox-e2e+dedup'), bounds: faultFree });
    expect(dedup.classes.map((entry) => entry.signature.text)).toEqual(['exactly-once-delivery / no fault']);
  });
});

describe('a broker that writes its own database (save-every-change)', () => {
  it('is never killed back to an autosave older than its last write: no kill loses a message, kills still duplicate', () => {
    const config = resolveConfig('save-every-change', {});
    if (!config.ok) throw new Error(config.error);
    const report = exhaustiveSearch({ config: config.value, bounds: { ...smallBounds, faultKinds: ['broker-kill'] } });
    expect(report.depthBounded).toBe(0);
    const properties = new Set(report.classes.map((entry) => entry.signature.property));
    expect([...properties].sort()).toEqual(['exactly-once-delivery', 'no-duplicate']);
  });
});
