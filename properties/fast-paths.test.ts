// The index files events by small integer slots and checkAll shares one index between the
// properties; these tests pin that the shortcuts answer exactly what the plain reading would.
import { describe, expect, it } from 'vitest';
import type { History } from '../models/history.ts';
import { checkAll, expectations, properties } from './index.ts';
import { compareStrings, evidence, indexHistory } from './history-index.ts';
import {
  acked, consumed, context, contextOf, delivered, dropped, handled, history, invoked, published, started, subscribed,
} from './test-histories.ts';
import type { PropertyContext, Violation } from './types.ts';

/** What checkAll promised before it shared an index: each property on its own, sorted. */
function oneByOne(h: History, ctx: PropertyContext): Violation[] {
  return properties.flatMap((p) =>
    p.check(h, ctx).sort((a, b) => a.message - b.message || compareStrings(a.consumer, b.consumer)),
  );
}

const two = contextOf(['p', 'q'], { z: 'persistent', a: 'persistent', n: 'clean' });

// Ids invoked out of order and far apart; duplicates, losses and overtakings at several consumers.
const scrambled = history(
  subscribed(0, 'z'),
  subscribed(0, 'a'),
  invoked(30, 10, 'p'),
  invoked(7, 11, 'q'),
  published(1000, 12, 'p'),
  acked(30, 20, 'p'),
  consumed(1000, 30, 'z'),
  consumed(30, 40, 'z'),
  consumed(7, 50, 'a'),
  consumed(7, 60, 'a', true),
  delivered(30, 70, 'n'),
  delivered(30, 71, 'n', true),
  dropped(1000, 72, 'a'),
  dropped(1000, 73, 'elsewhere'),
);

describe('shared index', () => {
  const cases: readonly { name: string; history: History; context: PropertyContext }[] = [
    { name: 'scrambled ids', history: scrambled, context: two },
    { name: 'a clean run', history: history(subscribed(0), published(1, 10), published(2, 20), consumed(1, 30), consumed(2, 40)), context },
    { name: 'an empty history', history: [], context },
    { name: 'no consumers', history: history(published(1, 10)), context: { producers: ['p'], consumers: [] } },
  ];
  for (const c of cases) {
    it(`checkAll agrees with each property on its own: ${c.name}`, () => {
      expect(checkAll(c.history, c.context)).toEqual(oneByOne(c.history, c.context));
    });
  }

  it('finds every kind of violation in the scrambled history', () => {
    expect(checkAll(scrambled, two).map((v) => `${v.property} m${v.message} ${v.consumer}`)).toEqual([
      'no-loss-acked m30 a',
      'no-loss-acked m1000 a',
      'no-loss-invoked m7 z',
      'no-loss-invoked m30 a',
      'no-loss-invoked m1000 a',
      'no-duplicate m7 a',
      'exactly-once-delivery m7 a',
      'exactly-once-delivery m30 a',
      'exactly-once-delivery m30 n',
      'exactly-once-delivery m1000 a',
      'order m1000 z',
    ]);
  });

  it('an invalid history throws only when some property is selected', () => {
    const bad = history(invoked(1, 10), handled(2, 20));
    expect(checkAll(bad, context, [])).toEqual([]);
    expect(() => checkAll(bad, context, ['order'])).toThrow(/message 2 was never invoked/);
  });
});

describe('index slots', () => {
  it('lists messages by id whatever the invocation order, and remembers that order', () => {
    const index = indexHistory(scrambled, two);
    expect(index.messages.map((m) => m.message)).toEqual([7, 30, 1000]);
    expect(index.invocationOrder.map((m) => index.messages[m]?.message)).toEqual([30, 7, 1000]);
    expect(index.consumers.map((c) => c.name)).toEqual(['a', 'n', 'z']);
  });

  it('answers by name and by slot alike', () => {
    const index = indexHistory(scrambled, two);
    const kinds = ['delivered', 'handling-started', 'handled', 'message-dropped'] as const;
    index.consumers.forEach((consumer, c) => {
      index.messages.forEach((record, m) => {
        kinds.forEach((kind, k) => {
          const slot = k as 0 | 1 | 2 | 3;
          const all = index.at(kind, consumer.name, record.message);
          expect(index.count(slot, c, m)).toBe(all.length);
          expect(index.first(slot, c, m)).toBe(all[0] ?? -1);
          // The plain reading: scan the history.
          const scanned = scrambled.flatMap((e, i) =>
            e.kind === kind && e.message === record.message && (e.kind === 'message-dropped' ? e.client : e.node) === consumer.name ? [i] : [],
          );
          expect(all).toEqual(scanned);
        });
      });
    });
    expect(index.at('message-dropped', 'elsewhere', 1000)).toEqual([scrambled.length - 1]);
    expect(index.at('handled', 'elsewhere', 1000)).toEqual([]);
    expect(index.at('handled', 'z', 12345)).toEqual([]);
  });

  it('knows whether anything repeated', () => {
    expect(indexHistory(scrambled, two).repeats(2)).toBe(true);
    expect(indexHistory(history(subscribed(0), published(1, 10), consumed(1, 20)), context).repeats(2)).toBe(false);
  });

  it('expects what expectations() lists', () => {
    const index = indexHistory(scrambled, two);
    const bySlot = index.messages.flatMap((record, m) =>
      index.consumers.flatMap((consumer, c) => {
        const since = index.expectedSince(c, m);
        return since < 0 ? [] : [{ message: record.message, consumer: consumer.name, subscribedIndex: since }];
      }),
    );
    expect(bySlot).toEqual(expectations(scrambled, two));
  });

  it('files events of messages whose ids do not count up from one', () => {
    const h = history(subscribed(0), invoked(-3, 1), invoked(2.5, 2), delivered(2.5, 3), started(2.5, 4), handled(2.5, 5), handled(-3, 6));
    const index = indexHistory(h, context);
    expect(index.at('handled', 'c', 2.5)).toEqual([5]);
    expect(index.at('handled', 'c', -3)).toEqual([6]);
    expect(checkAll(h, context).map((v) => `${v.property} m${v.message}`)).toEqual(['order m2.5']);
  });
});

describe('evidence', () => {
  it('is the ascending set of the indices given', () => {
    expect(evidence(5, undefined, [3, 5, 1], 3, [])).toEqual([1, 3, 5]);
    const many = Array.from({ length: 40 }, (_, i) => (i * 7) % 23);
    expect(evidence(many, 100, [0])).toEqual([...new Set([...many, 100, 0])].sort((a, b) => a - b));
  });
});
