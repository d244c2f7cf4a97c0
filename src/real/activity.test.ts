import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../models/history.ts';
import { missingActivity } from './activity.ts';

const subscribed: HistoryEvent = { kind: 'subscribed', node: 'consumer', sessionPresent: false, atMs: 2 };
const model: HistoryEvent[] = [subscribed, { kind: 'delivered', node: 'consumer', message: 1, dup: false, qos: 1, atMs: 60 }];
const real: HistoryEvent[] = [subscribed, { kind: 'publish-invoked', node: 'producer', message: 1, qos: 1, atMs: 75 }];

describe('the broker did its part', () => {
  it('delivering nothing where the model delivered, with no fault and the consumer always there, fails the run', () => {
    expect(missingActivity(model, real, [], 'mosquitto')).toMatch(/^mosquitto delivered nothing, while the model delivered m1/);
  });

  it('with an offline period of the consumer every message may have come while it was away: the verdicts judge that', () => {
    expect(missingActivity(model, real, [], 'mosquitto', true)).toBeUndefined();
  });

  it('a consumer without a SUBACK fails the run, away or not', () => {
    expect(missingActivity(model, [], [], 'mosquitto', true)).toMatch(/never got a SUBACK/);
  });
});
