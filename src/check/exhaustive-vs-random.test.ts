// Random exploration must find no class the exhaustive search misses within the same bounds: a
// class random finds and exhaustive does not means the state hash or the option set is unsound
// (or a class depends on something the exhaustive world does not model; the test says which).
// The largest bound here (blog, two messages, one fault of any kind) has its complete class list
// committed (exhaustive-blog-2-messages.json): the search must find exactly that list, and
// 50,000 more random runs (seeds 2 to 6; the comparison uses seed 1) are checked against it.
// About a minute in all.
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../models/config.ts';
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { resolveConfig } from '../../models/presets.ts';
import { caseArbitrary, defaultBounds, type ExploreBounds } from '../explore/arbitraries.ts';
import { evaluate } from '../explore/evaluate.ts';
import { exhaustiveSearch, type ExhaustiveBounds, type ExhaustiveReport } from './exhaustive.ts';

const twoMessagesFile = new URL('./exhaustive-blog-2-messages.json', import.meta.url);

interface Comparison {
  readonly report: ExhaustiveReport;
  readonly random: ReadonlyMap<string, number>;
  readonly exhaustive: readonly string[];
}

function boundsOf(messages: number, kinds: readonly FaultKind[]): ExhaustiveBounds {
  return { messages, crashesPerNode: 1, dropsPerLink: 1, faultsMax: 1, depthMax: 400, resendsMax: 1, faultKinds: kinds };
}

function configOf(preset: string): Config {
  const config = resolveConfig(preset, {});
  if (!config.ok) throw new Error(config.error);
  return config.value;
}

/** The classes of `runs` random runs under the exhaustive bounds, with how many runs showed each. */
function randomClasses(config: Config, messages: number, kinds: readonly FaultKind[], runs: number, seed: number): Map<string, number> {
  // The same bounds as the search: exactly `messages` messages, at most one fault of these
  // kinds, no offline periods (the exhaustive world has none: its publish timing is free instead).
  const bounds: ExploreBounds = { ...defaultBounds, messagesMin: messages, messagesMax: messages, faultsMax: 1, faultKinds: kinds, offlinePeriodsMax: 0 };
  const random = new Map<string, number>();
  for (const explored of fc.sample(caseArbitrary(bounds), { seed, numRuns: runs })) {
    for (const signature of evaluate(config, explored).signatures) random.set(signature.text, (random.get(signature.text) ?? 0) + 1);
  }
  return random;
}

function compare(preset: string, messages: number, kinds: readonly FaultKind[], runs: number, seed: number): Comparison {
  const config = configOf(preset);
  const report = exhaustiveSearch({ config, bounds: boundsOf(messages, kinds) });
  expect(report.depthBounded).toBe(0);
  return { report, random: randomClasses(config, messages, kinds, runs, seed), exhaustive: report.classes.map((entry) => entry.signature.text) };
}

interface CommittedList {
  readonly preset: string;
  readonly bounds: ExhaustiveBounds;
  readonly classes: readonly { readonly signature: string; readonly steps: number }[];
}

function committedList(): CommittedList {
  return JSON.parse(readFileSync(twoMessagesFile, 'utf8')) as CommittedList;
}

describe('random exploration against the committed complete list (blog, two messages, one fault of any kind)', () => {
  it('50,000 more random runs, of five other seeds, find no class outside it', () => {
    const committed = committedList();
    expect(committed.bounds).toEqual(boundsOf(2, faultKinds));
    const listed = new Set(committed.classes.map((entry) => entry.signature));
    const config = configOf(committed.preset);
    const found = new Set<string>();
    for (const seed of [2, 3, 4, 5, 6]) {
      const random = randomClasses(config, 2, faultKinds, 10_000, seed);
      const outside = [...random.keys()].filter((text) => !listed.has(text));
      expect(outside, `seed ${seed}: classes random exploration found that the complete list lacks`).toEqual([]);
      for (const text of random.keys()) found.add(text);
    }
    // Random runs do find classes here (so the check can fail), but not all: the rest need an
    // autosave at a chosen moment or a narrow race of latencies, which the search covers.
    expect(found.size).toBeGreaterThan(30);
    expect(found.size).toBeLessThan(listed.size);
  }, 120_000);
});

describe('random exploration against the exhaustive search', () => {
  it.each<[string, number, readonly FaultKind[]]>([
    ['blog', 2, ['consumer-crash', 'producer-crash']],
    ['blog', 2, ['connection-drop']],
    ['blog', 1, ['broker-kill', 'broker-restart']],
    ['blog', 2, faultKinds],
  ])('%s, %i messages, one fault of %j: 20,000 random runs find no class outside the exhaustive list', (preset, messages, kinds) => {
    const { report, random, exhaustive } = compare(preset, messages, kinds, 20_000, 1);
    const missed = [...random.keys()].filter((text) => !exhaustive.includes(text));
    expect(missed).toEqual([]);
    expect(random.size).toBeGreaterThan(0);
    if (messages === 2 && kinds === faultKinds) {
      // The complete list for this bound, committed (MQTT_DST_UPDATE_EXPECTED=1 rewrites it).
      const found = { preset, bounds: report.bounds, classes: report.classes.map((entry) => ({ signature: entry.signature.text, steps: entry.steps })) };
      if (process.env['MQTT_DST_UPDATE_EXPECTED'] === '1') writeFileSync(twoMessagesFile, `${JSON.stringify(found, null, 2)}\n`);
      expect(found).toEqual(committedList());
    }
  }, 1_800_000);
});
