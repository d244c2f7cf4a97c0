import { describe, expect, it } from 'vitest';
import { ChoiceDivergence, RandomChooser, ReplayChooser } from './chooser.ts';

describe('choosers', () => {
  it('a seed gives the same choices every time', () => {
    const draw = (seed: number) => {
      const chooser = new RandomChooser(seed);
      for (let i = 0; i < 100; i += 1) chooser.choose(1 + (i % 7));
      return chooser.choices;
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    expect(draw(3).every((choice, i) => choice >= 0 && choice < 1 + (i % 7))).toBe(true);
  });

  it('replays recorded choices and reports divergence', () => {
    const replay = new ReplayChooser([1, 0]);
    expect(replay.choose(2)).toBe(1);
    expect(replay.exhausted).toBe(false);
    expect(replay.choose(3)).toBe(0);
    expect(replay.exhausted).toBe(true);
    expect(() => replay.choose(2)).toThrow(ChoiceDivergence);
    expect(() => new ReplayChooser([5]).choose(2)).toThrow(/offers only 2/);
  });
});
