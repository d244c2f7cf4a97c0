// The int key (canonical-key.ts) must tell world states apart exactly as the canonical text
// does (canonical.ts): equal texts, equal keys, and equal keys, equal texts. Checked two ways:
// state by state on walks that include broker faults (where the lazy autosave's databases enter
// the state), and by searching with either encoding: the same states, world states, transitions
// and classes with the same shortest paths.
import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../models/history.ts';
import { resolveConfig } from '../../models/presets.ts';
import { ExhaustiveWorld, type WorldSnapshot } from '../sim/exhaustive-world.ts';
import { nodesFor } from '../sim/run.ts';
import { Canonicalizer, type SearchState } from './canonical.ts';
import { StateKeys } from './canonical-key.ts';
import { exhaustiveScenario, exhaustiveSearch, type ExhaustiveReport } from './exhaustive.ts';
import { KeyBuffer } from './state-table.ts';
import { smallBounds } from './test-bounds.ts';

function configOf(preset: string) {
  const config = resolveConfig(preset, {});
  if (!config.ok) throw new Error(config.error);
  return config.value;
}

/** The first `statesMax` states of a breadth-first walk with one fault of `kinds`: each one's text and key. */
function pairs(preset: string, messages: number, kinds: readonly FaultKind[], statesMax: number): [text: string, key: string][] {
  const config = configOf(preset);
  const world = new ExhaustiveWorld(config, exhaustiveScenario(messages), nodesFor(config), {
    choose() {
      throw new Error('walked, not chosen');
    },
  });
  world.begin();
  const canonicalizer = new Canonicalizer({ messageCount: messages, consumer: 'consumer', persistent: !config.consumer.clean_session });
  // Caches far smaller than a search's, so that they are emptied again and again on the way.
  const keys = new StateKeys(canonicalizer, 64);
  const buffer = new KeyBuffer();
  const searchOf = (faultsLeft: number): SearchState => ({
    budget: String(faultsLeft),
    faultsPossible: faultsLeft > 0,
    brokerFaultsPossible: faultsLeft > 0 && kinds.some((kind) => kind.startsWith('broker')),
  });
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const work: { snapshot: WorldSnapshot; faultsLeft: number }[] = [{ snapshot: world.snapshot(), faultsLeft: 1 }];
  for (let at = 0; at < work.length && out.length < statesMax; at += 1) {
    const entry = work[at] as (typeof work)[number];
    world.restore(entry.snapshot);
    for (const option of world.options()) {
      if (option.kind === 'end' || (option.kind === 'fault' && (entry.faultsLeft === 0 || !kinds.includes(option.fault.kind)))) continue;
      world.restore(entry.snapshot);
      world.take(option);
      const faultsLeft = entry.faultsLeft - (option.kind === 'fault' ? 1 : 0);
      const text = canonicalizer.worldState(world.view(), searchOf(faultsLeft));
      keys.worldKey(world.view(), searchOf(faultsLeft), buffer);
      out.push([text, buffer.data.slice(0, buffer.length).join(',')]);
      if (!seen.has(text)) {
        seen.add(text);
        work.push({ snapshot: world.snapshot(), faultsLeft });
      }
    }
  }
  return out;
}

/** Texts with more than one key, or keys with more than one text. */
function mismatches(found: readonly [string, string][]): string[] {
  const keyOf = new Map<string, string>();
  const textOf = new Map<string, string>();
  const out: string[] = [];
  for (const [text, key] of found) {
    if ((keyOf.get(text) ?? key) !== key) out.push(`one text, two keys:\n${text}`);
    if ((textOf.get(key) ?? text) !== text) out.push(`one key, two texts:\n${text}\n${textOf.get(key)}`);
    keyOf.set(text, key);
    textOf.set(key, text);
  }
  return out;
}

function summary(report: ExhaustiveReport) {
  const { states, worldStates, transitions, terminals, depthBounded } = report;
  const classes = report.classes.map((entry) => ({ signature: entry.signature.text, steps: entry.steps, order: entry.order.join(' ') }));
  return { states, worldStates, transitions, terminals, depthBounded, classes };
}

describe('the canonical state as an int key', () => {
  const cases: [string, number, FaultKind[]][] = [
    ['blog', 2, ['producer-crash', 'connection-drop']],
    ['blog', 1, ['broker-kill']],
    ['mosquitto-defaults', 1, ['broker-restart', 'consumer-crash']],
  ];
  it.each(cases)('%s, %i message(s), one fault of %j: a key for every text and a text for every key', (preset, messages, kinds) => {
    const found = pairs(preset, messages, kinds, 3_000);
    expect(found.length).toBeGreaterThanOrEqual(3_000);
    expect(new Set(found.map(([text]) => text)).size).toBeGreaterThan(1_000);
    expect(mismatches(found).slice(0, 1)).toEqual([]);
  });

  // The searches below also check the world's not noting autosaves no broker fault can read
  // any more (exhaustive.ts stepFrom) against noting them all, as the text search did.
  it('searches the same states and finds the same classes and shortest paths as the text', () => {
    const config = configOf('blog');
    const byKey = summary(exhaustiveSearch({ config, bounds: smallBounds }));
    const byText = summary(exhaustiveSearch({ config, bounds: smallBounds, encoding: 'text', notesUnusedSaves: true }));
    expect(byKey.classes.length).toBeGreaterThan(10);
    expect(byKey).toEqual(byText);
  });

  it('with broker faults, the same with and without noting the autosaves no fault can read', () => {
    const config = configOf('mosquitto-defaults');
    const bounds = { ...smallBounds, faultKinds: ['broker-restart', 'consumer-crash'] satisfies FaultKind[] };
    const lazy = summary(exhaustiveSearch({ config, bounds }));
    const all = summary(exhaustiveSearch({ config, bounds, notesUnusedSaves: true }));
    expect(lazy.classes.some((entry) => entry.signature.includes('in snapshot'))).toBe(true);
    expect(lazy).toEqual(all);
  });
});
