import { describe, it } from 'vitest';
import { noDuplicate } from './no-duplicate.ts';
import {
  consumed, contextOf, delivered, fault, handled, history, invoked, published, restarted, runCase, subscribed,
  type Case,
} from './test-histories.ts';

const cases: readonly Case[] = [
  {
    name: 'handled once: holds',
    history: history(subscribed(0), published(1, 10), consumed(1, 20)),
    violations: [],
  },
  {
    // paho QoS 1: handle, then PUBACK; a crash between them makes the broker resend with DUP.
    name: 'handled, crashed before the ack, redelivered and handled again: duplicate',
    history: history(
      subscribed(0), published(1, 10), consumed(1, 20), fault('consumer-crash', 23, 'c'), restarted(30, 'c'), consumed(1, 40, 'c', true),
    ),
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'c handled message 1 2 times (at 22 ms, 42 ms)',
        evidence: ['delivered c m1', 'handled c m1', 'delivered c m1', 'handled c m1'],
      },
    ],
  },
  {
    name: 'delivered twice, handled once: no duplicate handling',
    history: history(subscribed(0), invoked(1, 10), delivered(1, 20), delivered(1, 30, 'c', true), handled(1, 31)),
    violations: [],
  },
  {
    name: 'applies to a non-persistent consumer too',
    history: history(subscribed(0), invoked(1, 10), handled(1, 20), handled(1, 30)),
    context: contextOf(['p'], { c: 'clean' }),
    violations: [{ message: 1, consumer: 'c', evidence: ['handled c m1', 'handled c m1'] }],
  },
  {
    name: 'applies to a consumer that never subscribed',
    history: history(invoked(1, 10), handled(1, 20), handled(1, 30), handled(1, 40)),
    violations: [{ message: 1, consumer: 'c', summary: 'c handled message 1 3 times (at 20 ms, 30 ms, 40 ms)' }],
  },
  {
    name: 'each consumer handling a message once is no duplicate',
    history: history(subscribed(0, 'a'), subscribed(0, 'b'), invoked(1, 10), handled(1, 20, 'a'), handled(1, 21, 'b')),
    context: contextOf(['p'], { a: 'persistent', b: 'persistent' }),
    violations: [],
  },
  {
    name: 'violations ascend by message, then consumer',
    history: history(
      invoked(1, 10), invoked(2, 11),
      handled(2, 20, 'b'), handled(2, 21, 'a'), handled(1, 22, 'b'), handled(2, 23, 'a'), handled(2, 24, 'b'), handled(1, 25, 'b'),
    ),
    context: contextOf(['p'], { b: 'clean', a: 'clean' }),
    violations: [
      { message: 1, consumer: 'b' },
      { message: 2, consumer: 'a' },
      { message: 2, consumer: 'b' },
    ],
  },
  {
    name: 'a broker restart between the copies changes nothing',
    history: history(subscribed(0), published(1, 10), consumed(1, 20), fault('broker-kill', 25), restarted(30), consumed(1, 40, 'c', true)),
    violations: [{ message: 1, consumer: 'c' }],
  },
];

describe('no-duplicate', () => {
  for (const c of cases) it(c.name, () => runCase(noDuplicate, c));
});
