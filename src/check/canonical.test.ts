// The canonical state hash must be a function of what a state can do: two states with one hash
// must have successors with the same hashes. A walk expands each hash once, from whichever state
// reached it first, so walking the same space in two orders (breadth first and depth first) picks
// different representatives; if the hash merged two states that behave differently, the two
// walks would disagree on some state's successors, or on which states exist at all. The
// successors must also come in the same order of options: the search keeps a world state's steps
// by their position among its options (exhaustive.ts) and follows them on every path to it.
import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../models/history.ts';
import { resolveConfig } from '../../models/presets.ts';
import { ExhaustiveWorld, type WorldSnapshot } from '../sim/exhaustive-world.ts';
import { nodesFor } from '../sim/run.ts';
import { Canonicalizer } from './canonical.ts';
import { exhaustiveScenario } from './exhaustive.ts';

interface Walk {
  /** By state: each usable option's position and the hash it leads to, in option order. */
  readonly successors: Map<string, readonly string[]>;
}

/** Every state reachable with at most one fault of the given kinds, in breadth- or depth-first order. */
function walk(preset: string, messages: number, kinds: readonly FaultKind[], order: 'breadth' | 'depth'): Walk {
  const config = resolveConfig(preset, {});
  if (!config.ok) throw new Error(config.error);
  const world = new ExhaustiveWorld(config.value, exhaustiveScenario(messages), nodesFor(config.value), {
    choose() {
      throw new Error('walked, not chosen');
    },
  });
  world.begin();
  const canonicalizer = new Canonicalizer({ messageCount: messages, consumer: 'consumer', persistent: !config.value.consumer.clean_session });
  const hashOf = (faultsLeft: number): string => {
    const search = { budget: String(faultsLeft), faultsPossible: faultsLeft > 0, brokerFaultsPossible: faultsLeft > 0 && kinds.some((kind) => kind.startsWith('broker')) };
    return canonicalizer.state(world.view(), search);
  };
  const successors = new Map<string, readonly string[]>();
  const root = hashOf(1);
  const seen = new Set([root]);
  const work: { hash: string; snapshot: WorldSnapshot; faultsLeft: number }[] = [{ hash: root, snapshot: world.snapshot(), faultsLeft: 1 }];
  while (work.length > 0) {
    const entry = (order === 'breadth' ? work.shift() : work.pop()) as (typeof work)[number];
    world.restore(entry.snapshot);
    const out: string[] = [];
    for (const [index, option] of world.options().entries()) {
      if (option.kind === 'end') continue;
      if (option.kind === 'fault' && (entry.faultsLeft === 0 || !kinds.includes(option.fault.kind))) continue;
      world.restore(entry.snapshot);
      world.take(option);
      const faultsLeft = entry.faultsLeft - (option.kind === 'fault' ? 1 : 0);
      const hash = hashOf(faultsLeft);
      out.push(`${index} ${hash}`);
      if (!seen.has(hash)) {
        seen.add(hash);
        work.push({ hash, snapshot: world.snapshot(), faultsLeft });
      }
    }
    successors.set(entry.hash, out);
  }
  return { successors };
}

function disagreements(a: Walk, b: Walk): string[] {
  const out: string[] = [];
  for (const [hash, next] of a.successors) {
    const other = b.successors.get(hash);
    if (other === undefined) out.push(`only one walk reached:\n${hash}`);
    else if (next.length !== other.length || next.some((successor, at) => successor !== other[at])) out.push(`successors differ:\n${hash}`);
  }
  for (const hash of b.successors.keys()) if (!a.successors.has(hash)) out.push(`only one walk reached:\n${hash}`);
  return out;
}

// The larger spaces (broker faults, where the lazy autosave's databases enter the hash) run
// with MQTT_DST_SLOW=1: a few tens of seconds each.
const slow = process.env['MQTT_DST_SLOW'] === '1';
const cases: [string, number, FaultKind[]][] = [
  ['blog', 1, ['consumer-crash', 'producer-crash']],
  // The broker autosaves while no broker fault may strike: options must keep their order all the same.
  ['blog', 1, ['producer-crash', 'connection-drop']],
  ...(slow
    ? ([
        ['blog', 2, ['producer-crash', 'connection-drop']],
        ['blog', 1, ['broker-kill']],
        ['mosquitto-defaults', 1, ['broker-restart']],
      ] as [string, number, FaultKind[]][])
    : []),
];

describe('the canonical state hash', () => {
  it.each(cases)('%s, %i message(s), one fault of %j: the same states and successors walked in two orders', (preset, messages, kinds) => {
    const breadth = walk(preset, messages, kinds, 'breadth');
    const depth = walk(preset, messages, kinds, 'depth');
    expect(breadth.successors.size).toBeGreaterThan(100);
    expect(disagreements(breadth, depth).slice(0, 1)).toEqual([]);
  });
});
