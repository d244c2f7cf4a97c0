import { describe, it } from 'vitest';
import { order } from './order.ts';
import { contextOf, handled, history, invoked, runCase, subscribed, type Case } from './test-histories.ts';

const cases: readonly Case[] = [
  {
    name: 'handled in publish order: holds',
    history: history(subscribed(0), invoked(1, 10), invoked(2, 11), handled(1, 20), handled(2, 21)),
    violations: [],
  },
  {
    name: 'second message handled before the first: violation for the second, naming both',
    history: history(subscribed(0), invoked(1, 10), invoked(2, 11), handled(2, 20), handled(1, 21)),
    violations: [
      {
        message: 2,
        consumer: 'c',
        summary: 'c first handled message 2 at 20 ms, before message 1 (first handled at 21 ms), which p published earlier',
        evidence: ['publish-invoked p m1', 'publish-invoked p m2', 'handled c m2', 'handled c m1'],
      },
    ],
  },
  {
    name: 'invocation order is history order, even within one millisecond',
    history: history(subscribed(0), invoked(2, 10), invoked(1, 10), handled(1, 20), handled(2, 20)),
    violations: [{ message: 1, consumer: 'c', summary: /before message 2 /, evidence: ['publish-invoked p m2', 'publish-invoked p m1', 'handled c m1', 'handled c m2'] }],
  },
  {
    name: 'a message that overtook two: one violation naming both',
    history: history(invoked(1, 10), invoked(2, 11), invoked(3, 12), handled(3, 20), handled(1, 21), handled(2, 22)),
    violations: [
      {
        message: 3,
        consumer: 'c',
        summary: 'c first handled message 3 at 20 ms, before message 1 (first handled at 21 ms), message 2 (first handled at 22 ms), which p published earlier',
        evidence: ['publish-invoked p m1', 'publish-invoked p m2', 'publish-invoked p m3', 'handled c m3', 'handled c m1', 'handled c m2'],
      },
    ],
  },
  {
    name: 'a late first message: every message that overtook it is a violation',
    history: history(invoked(1, 10), invoked(2, 11), invoked(3, 12), handled(2, 20), handled(3, 21), handled(1, 22)),
    violations: [
      { message: 2, consumer: 'c', summary: /before message 1 / },
      { message: 3, consumer: 'c', summary: /before message 1 / },
    ],
  },
  {
    name: 'only first handlings count: a redelivered duplicate handled late is no reordering',
    history: history(invoked(1, 10), invoked(2, 11), handled(1, 20), handled(2, 21), handled(1, 30)),
    violations: [],
  },
  {
    name: 'a lost message is compared with nothing',
    history: history(subscribed(0), invoked(1, 10), invoked(2, 11), handled(2, 20)),
    violations: [],
  },
  {
    name: 'order is per producer: interleaving two producers is fine',
    history: history(invoked(1, 10, 'p'), invoked(2, 11, 'q'), handled(2, 20), handled(1, 21)),
    context: contextOf(['p', 'q'], { c: 'persistent' }),
    violations: [],
  },
  {
    name: 'per producer: the violation names the producer',
    history: history(invoked(1, 10, 'q'), invoked(2, 11, 'p'), invoked(3, 12, 'q'), handled(3, 20), handled(2, 21), handled(1, 22)),
    context: contextOf(['p', 'q'], { c: 'persistent' }),
    violations: [{ message: 3, consumer: 'c', producer: 'q', summary: /before message 1 \(first handled at 22 ms\), which q published earlier$/ }],
  },
  {
    name: 'per consumer: each consumer judged on its own, non-persistent too',
    history: history(invoked(1, 10), invoked(2, 11), handled(1, 20, 'a'), handled(2, 21, 'b'), handled(2, 22, 'a'), handled(1, 23, 'b')),
    context: contextOf(['p'], { a: 'clean', b: 'clean' }),
    violations: [{ message: 2, consumer: 'b', evidence: ['publish-invoked p m1', 'publish-invoked p m2', 'handled b m2', 'handled b m1'] }],
  },
];

describe('order', () => {
  for (const c of cases) it(c.name, () => runCase(order, c));
});
