// KeyCounts counts exactly as a Map of counts would, through growth and colliding slots.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyCounts } from './key-counts.ts';

describe('KeyCounts', () => {
  it('gives every key its count so far, as a Map does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 2_000 }), fc.integer({ min: 1, max: 600 }), (keys, distinct) => {
        const counts = new KeyCounts();
        const reference = new Map<number, number>();
        for (const raw of keys) {
          // Few distinct keys, so that most are asked again; some runs pass 128 keys and grow.
          const key = raw % distinct;
          const expected = reference.get(key) ?? 0;
          reference.set(key, expected + 1);
          expect(counts.next(key)).toBe(expected);
        }
      }),
    );
  });

  it('counts from zero again after clear(), as a new table does, grown or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 600 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 600 }),
        (before, after) => {
          const reused = new KeyCounts();
          for (const key of before) reused.next(key);
          reused.clear();
          const fresh = new KeyCounts();
          expect(after.map((key) => reused.next(key))).toEqual(after.map((key) => fresh.next(key)));
        },
      ),
    );
  });

  it('keeps keys apart that land in the same slot', () => {
    const counts = new KeyCounts();
    // 0x10000 apart: the same low bits; and 0, which an empty slot must not be mistaken for.
    const keys = [0, 0x10000, 0x20000, -0x10000, 0, 0x10000, 0];
    expect(keys.map((key) => counts.next(key))).toEqual([0, 0, 0, 0, 1, 1, 2]);
  });
});
