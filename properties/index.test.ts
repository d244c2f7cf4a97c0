import { describe, expect, it } from 'vitest';
import { checkAll, properties, propertyByName, propertyNames, type PropertyName } from './index.ts';
import {
  acked, consumed, contextOf, delivered, evidenceOf, fault, handled, history, invoked, published, restarted, subscribed,
} from './test-histories.ts';

const allNames: readonly PropertyName[] = ['no-loss-acked', 'no-loss-invoked', 'no-duplicate', 'exactly-once-delivery', 'order'];

// Two producers, two persistent consumers listed out of name order, one clean consumer; several
// properties fail on several messages at several consumers.
const ctx = contextOf(['p', 'q'], { z: 'persistent', a: 'persistent', n: 'clean' });
const h = history(
  subscribed(0, 'z'),
  subscribed(0, 'a'),
  subscribed(0, 'n'),
  published(1, 10, 'p'), // 10 sent 11 acked 14
  published(2, 20, 'p'),
  invoked(3, 30, 'q'), // its ack never arrives
  consumed(2, 40, 'a'),
  consumed(2, 43, 'z'),
  consumed(1, 50, 'z'),
  fault('consumer-crash', 60, 'z'),
  restarted(61, 'z'),
  consumed(2, 70, 'z', true),
  delivered(3, 80, 'n'),
  handled(3, 81, 'n'),
  handled(3, 82, 'n'),
);

describe('properties list', () => {
  it('lists every property once, in the documented order', () => {
    expect(propertyNames).toEqual(allNames);
    expect(properties.map((p) => p.name)).toEqual(allNames);
  });

  it('each has a one-line description', () => {
    for (const p of properties) {
      expect(p.description.length).toBeGreaterThan(10);
      expect(p.description).not.toContain('\n');
    }
  });

  it('finds a property by name', () => {
    for (const name of allNames) expect(propertyByName(name).name).toBe(name);
  });
});

describe('checkAll', () => {
  const expected: readonly (readonly [PropertyName, number, string])[] = [
    ['no-loss-acked', 1, 'a'],
    ['no-loss-invoked', 1, 'a'],
    ['no-loss-invoked', 3, 'a'],
    ['no-loss-invoked', 3, 'z'],
    ['no-duplicate', 2, 'z'],
    ['no-duplicate', 3, 'n'],
    ['exactly-once-delivery', 1, 'a'],
    ['exactly-once-delivery', 2, 'z'],
    ['order', 2, 'z'],
  ];

  it('orders violations by property, then message, then consumer', () => {
    expect(checkAll(h, ctx).map((v) => [v.property, v.message, v.consumer])).toEqual(expected);
  });

  it('is deterministic: same output on a second run and whatever the order of the context', () => {
    const first = checkAll(h, ctx);
    expect(checkAll(h, ctx)).toEqual(first);
    const reversed = { producers: [...ctx.producers].reverse(), consumers: [...ctx.consumers].reverse() };
    expect(checkAll(h, reversed)).toEqual(first);
  });

  it('evidence points at the events that show each violation', () => {
    const byKey = new Map(checkAll(h, ctx).map((v) => [`${v.property} m${v.message} ${v.consumer}`, evidenceOf(h, v)]));
    expect(byKey.get('no-loss-acked m1 a')).toEqual(['subscribed a', 'publish-invoked p m1', 'publish-acked p m1']);
    expect(byKey.get('no-loss-invoked m3 z')).toEqual(['subscribed z', 'publish-invoked q m3']);
    expect(byKey.get('no-duplicate m3 n')).toEqual(['delivered n m3', 'handled n m3', 'handled n m3']);
    expect(byKey.get('order m2 z')).toEqual(['publish-invoked p m1', 'publish-invoked p m2', 'handled z m2', 'handled z m1']);
  });

  it('does not modify the history', () => {
    const copy = JSON.parse(JSON.stringify(h)) as unknown;
    checkAll(h, ctx);
    expect(h).toEqual(copy);
  });

  it('checks only the named properties, still in the listed order', () => {
    const v = checkAll(h, ctx, ['order', 'no-duplicate', 'order']);
    expect(v.map((x) => x.property)).toEqual(['no-duplicate', 'no-duplicate', 'order']);
    expect(checkAll(h, ctx, [])).toEqual([]);
  });

  it('a clean run violates nothing', () => {
    const clean = history(subscribed(0), published(1, 10), published(2, 20), consumed(1, 30), consumed(2, 40));
    expect(checkAll(clean, contextOf(['p'], { c: 'persistent' }))).toEqual([]);
  });

  it('every violation names its producer', () => {
    const producers = new Map(checkAll(h, ctx).map((v) => [v.message, v.producer]));
    expect([...producers.entries()].sort()).toEqual([
      [1, 'p'],
      [2, 'p'],
      [3, 'q'],
    ]);
  });

  it('the acknowledgement alone decides no-loss-acked', () => {
    const lostAck = history(subscribed(0), invoked(1, 10));
    const withAck = history(subscribed(0), invoked(1, 10), acked(1, 12));
    const c = contextOf(['p'], { c: 'persistent' });
    expect(checkAll(lostAck, c, ['no-loss-acked'])).toEqual([]);
    expect(checkAll(withAck, c, ['no-loss-acked']).map((v) => v.message)).toEqual([1]);
  });
});
