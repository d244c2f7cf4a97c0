import { describe, expect, it } from 'vitest';
import { noLossAcked } from './no-loss-acked.ts';
import { noLossInvoked } from './no-loss-invoked.ts';
import {
  consumed, context, contextOf, fault, history, invoked, published, restarted, runCase, sent, subscribed,
  type Case,
} from './test-histories.ts';

const ackLost = history(subscribed(0), invoked(1, 10), sent(1, 11), fault('broker-kill', 12), restarted(20));

const cases: readonly Case[] = [
  {
    name: 'published and handled: holds',
    history: history(subscribed(0), invoked(1, 10), consumed(1, 20)),
    violations: [],
  },
  {
    name: 'acknowledgement lost and never handled: lost (unknown to no-loss-acked, a loss here)',
    history: ackLost,
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'message 1 was published by p at 10 ms (its acknowledgement never arrived) but c never handled it (never delivered)',
        evidence: ['subscribed c', 'publish-invoked p m1'],
      },
    ],
  },
  {
    name: 'producer crashed before the message left its memory: lost',
    history: history(subscribed(0), invoked(1, 10), fault('producer-crash', 11, 'p'), restarted(20, 'p')),
    violations: [{ message: 1, consumer: 'c', evidence: ['subscribed c', 'publish-invoked p m1'] }],
  },
  {
    name: 'acknowledged and lost: also lost here, the acknowledgement is evidence',
    history: history(subscribed(0), published(1, 10)),
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'message 1 was published by p at 10 ms (acknowledged at 14 ms) but c never handled it (never delivered)',
        evidence: ['subscribed c', 'publish-invoked p m1', 'publish-acked p m1'],
      },
    ],
  },
  {
    name: 'acknowledgement lost but handled anyway: holds',
    history: history(subscribed(0), invoked(1, 10), sent(1, 11), consumed(1, 15), fault('connection-drop', 18, 'p')),
    violations: [],
  },
  {
    name: 'consumer never subscribed: expects nothing',
    history: history(invoked(1, 10)),
    violations: [],
  },
  {
    name: 'non-persistent consumer: never expects',
    history: history(subscribed(0), invoked(1, 10)),
    context: contextOf(['p'], { c: 'clean' }),
    violations: [],
  },
  {
    name: 'several messages: one violation per lost message, ascending',
    history: history(subscribed(0), invoked(1, 10), invoked(2, 11), invoked(3, 12), consumed(2, 20)),
    violations: [
      { message: 1, consumer: 'c' },
      { message: 3, consumer: 'c' },
    ],
  },
];

describe('no-loss-invoked', () => {
  for (const c of cases) it(c.name, () => runCase(noLossInvoked, c));

  it('a lost acknowledgement is unknown for no-loss-acked but a loss for no-loss-invoked', () => {
    expect(noLossAcked.check(ackLost, context)).toEqual([]);
    expect(noLossInvoked.check(ackLost, context).map((v) => v.message)).toEqual([1]);
  });
});
