// The partial-order reduction (exhaustive-reduction.ts) against the unreduced search on small
// bounds: the same classes, each with the same shortest length, from fewer states. And its
// check of a step's footprint does tell a step that reaches outside its client.
import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../models/history.ts';
import { resolveConfig } from '../../models/presets.ts';
import type { Overrides } from '../../models/presets.ts';
import { ExhaustiveWorld } from '../sim/exhaustive-world.ts';
import { nodesFor } from '../sim/run.ts';
import type { Slot } from '../sim/world.ts';
import { outsideOf, stayedInside, stayedSheltered } from './exhaustive-reduction.ts';
import { exhaustiveScenario, exhaustiveSearch, type ExhaustiveBounds, type ExhaustiveReport, type ReductionSet } from './exhaustive.ts';

function config(overrides: Overrides) {
  const resolved = resolveConfig('blog', overrides);
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

function bounds(kinds: readonly FaultKind[], faultsMax: number | null): ExhaustiveBounds {
  return { messages: 1, crashesPerNode: 1, dropsPerLink: 1, faultsMax, depthMax: 200, resendsMax: 1, faultKinds: kinds };
}

function classes(report: ExhaustiveReport): string[] {
  return report.classes.map((entry) => `${entry.steps} ${entry.signature.text}`).sort();
}

const cases: readonly { readonly name: string; readonly overrides: Overrides; readonly bounds: ExhaustiveBounds; readonly sets: readonly ReductionSet[] }[] = [
  { name: 'blog, 1 message, one client crash or link drop', overrides: {}, bounds: bounds(['consumer-crash', 'producer-crash', 'connection-drop'], 1), sets: ['alone', 'quiet'] },
  { name: 'persistent producer, 1 message, one link drop', overrides: { 'producer.clean_session': 'false' }, bounds: bounds(['connection-drop'], 1), sets: ['alone', 'quiet'] },
  // The producer cannot crash and has no link to drop here: it is sheltered while the consumer may still crash.
  { name: 'persistent producer, 1 message, consumer crashes', overrides: { 'producer.clean_session': 'false' }, bounds: bounds(['consumer-crash'], null), sets: ['alone', 'sheltered'] },
  // After a broker crash, link-ups that remember the broker before it are refused whatever happens (1' of the reduction).
  { name: 'blog, 1 message, one broker restart', overrides: {}, bounds: bounds(['broker-restart'], 1), sets: ['alone', 'quiet'] },
];

describe('partial-order reduction against the unreduced search', () => {
  for (const entry of cases) {
    it(`${entry.name}: the same classes with the same shortest lengths, from fewer states`, () => {
      const reduced = exhaustiveSearch({ config: config(entry.overrides), bounds: entry.bounds });
      const full = exhaustiveSearch({ config: config(entry.overrides), bounds: entry.bounds, reduce: false });
      expect(reduced.depthBounded + full.depthBounded).toBe(0);
      expect(full.reducedStates).toBe(0);
      expect(reduced.reducedStates).toBeGreaterThan(0);
      for (const set of entry.sets) expect(reduced.reducedBySet[set], set).toBeGreaterThan(0);
      expect(reduced.states).toBeLessThan(full.states);
      expect(reduced.terminals).toBeLessThanOrEqual(full.terminals);
      expect(classes(reduced)).toEqual(classes(full));
    }, 180_000);
  }
});

function paths(report: ExhaustiveReport): string[] {
  return report.classes.map((entry) => `${entry.signature.text} ${entry.order.join('.')} ${entry.choices.join('.')}`).sort();
}

describe('fault records only where a violation can still be reached (exhaustive-region.ts)', () => {
  const persistent = config({ 'producer.clean_session': 'false' });
  it('finds every class by the same first path as the search that carries them everywhere, from fewer states', () => {
    const entryBounds = bounds(['consumer-crash'], null);
    const region = exhaustiveSearch({ config: persistent, bounds: entryBounds });
    const everywhere = exhaustiveSearch({ config: persistent, bounds: entryBounds, recordsWhereViolating: false });
    expect(region.depthBounded + everywhere.depthBounded).toBe(0);
    expect(region.classes.length).toBeGreaterThan(0);
    expect(paths(region)).toEqual(paths(everywhere));
    expect(region.worldStates).toBe(everywhere.worldStates);
    expect(region.states).toBeLessThan(everywhere.states);
    expect(region.states).toBeGreaterThan(region.worldStates);
    // Every violating end state, with each record list that reaches it, is in the region.
    expect(region.violatingTerminals).toBe(everywhere.violatingTerminals);
  }, 180_000);

  it('carries no record at all where no violation can be reached: one state per world state', () => {
    const region = exhaustiveSearch({ config: persistent, bounds: bounds(['connection-drop'], 1) });
    const everywhere = exhaustiveSearch({ config: persistent, bounds: bounds(['connection-drop'], 1), recordsWhereViolating: false });
    expect(everywhere.classes).toEqual([]);
    expect(region.classes).toEqual([]);
    expect(region.states).toBe(region.worldStates);
    expect(region.recordStates).toBe(0);
    expect(everywhere.states).toBeGreaterThan(everywhere.worldStates);
    expect(region.statesByDepth.reduce((a, b) => a + b, 0)).toBe(region.states);
  }, 180_000);
});

describe("a step's footprint outside its client", () => {
  it('counts a publish (a history event) and a link-up (the broker learns of the connection) as reaching outside their client', () => {
    const world = new ExhaustiveWorld(config({}), exhaustiveScenario(1), nodesFor(config({})), {
      choose() {
        throw new Error('no choice here');
      },
    });
    world.begin();
    const root = world.snapshot();
    const producer = world.view().nodes[1] as Slot;
    const options = world.options();
    const publish = options.find((option) => option.kind === 'event' && option.event.payload.kind === 'publish');
    expect(publish).toBeDefined();
    const before = outsideOf(world.view(), producer);
    world.take(publish as NonNullable<typeof publish>);
    expect(stayedInside(before, world.view()).inside).toBe(false);
    // A sheltered client's step records no history event: another client's fault could strike on either side of it.
    expect(stayedSheltered(before, world.view())).toBe(false);
    // The consumer's link coming up changes the broker (it learns of the connection), which is outside the consumer.
    world.restore(root);
    const consumer = world.view().nodes[2] as Slot;
    const linkUp = world.options().find((option) => option.kind === 'event' && option.event.payload.kind === 'link-up' && option.event.payload.conn.client === consumer);
    expect(linkUp).toBeDefined();
    const beforeLink = outsideOf(world.view(), consumer);
    world.take(linkUp as NonNullable<typeof linkUp>);
    expect(stayedInside(beforeLink, world.view()).inside).toBe(false);
  });
});
