// Hold your own configuration to a property: with these settings no acknowledged message is lost
// when the consumer crashes once, in every interleaving and at every point the crash can strike.
import { describe, expect, it } from 'vitest';
import { checkExhaustive } from 'mqtt-dst';

const oneConsumerCrash = { messages: 1, faultKinds: ['consumer-crash'], faultsMax: 1 } as const;

describe('my settings', () => {
  it('lose no acknowledged message under one consumer crash', () => {
    const result = checkExhaustive({
      preset: 'blog',
      // Acknowledge only after handling, with a durable dedup store (a consumer profile).
      overrides: { 'consumer.profile': 'dedup' },
      bounds: oneConsumerCrash,
    });
    expect(result.complete).toBe(true); // nothing was cut by a bound: a proof within them
    const lost = result.classes.filter((entry) => entry.property === 'no-loss-acked');
    expect(lost.map((entry) => entry.signature)).toEqual([]);
  });

  it("while the blog's paho consumer, which acknowledges before handling, does lose one", () => {
    const result = checkExhaustive({ preset: 'blog', bounds: oneConsumerCrash });
    expect(result.classes.some((entry) => entry.property === 'no-loss-acked')).toBe(true);
  });
});
