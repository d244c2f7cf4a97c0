import { describe, it } from 'vitest';
import { noLossAcked } from './no-loss-acked.ts';
import {
  acked, consumed, contextOf, delivered, dropped, fault, handled, history, invoked, published, restarted, runCase, sent, started, subscribed,
  type Case,
} from './test-histories.ts';

const cases: readonly Case[] = [
  {
    name: 'acknowledged and handled: holds',
    history: history(subscribed(0), published(1, 10), consumed(1, 20)),
    violations: [],
  },
  {
    // The blog's story: QoS 2, PUBCOMP reached the producer, the broker was killed before it
    // saved the message, and it restarted without it.
    name: 'acknowledged, broker killed before delivery: lost',
    history: history(subscribed(0), published(1, 10), fault('broker-kill', 15), restarted(20)),
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'message 1 was acknowledged to p at 14 ms but c never handled it (never delivered)',
        evidence: ['subscribed c', 'publish-invoked p m1', 'publish-acked p m1'],
      },
    ],
  },
  {
    name: 'acknowledgement lost: unknown outcome, not judged',
    history: history(subscribed(0), invoked(1, 10), sent(1, 11), fault('broker-kill', 12), restarted(20)),
    violations: [],
  },
  {
    name: 'delivered, consumer crashed while handling, never handled: lost, evidence shows how far it got',
    history: history(subscribed(0), published(1, 10), delivered(1, 20), started(1, 21), fault('consumer-crash', 22, 'c'), restarted(30, 'c')),
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'message 1 was acknowledged to p at 14 ms but c never handled it (delivered at 20 ms, handling started at 21 ms)',
        evidence: ['subscribed c', 'publish-invoked p m1', 'publish-acked p m1', 'delivered c m1', 'handling-started c m1'],
      },
    ],
  },
  {
    name: 'broker dropped it for a full queue: lost, the drop is evidence',
    history: history(subscribed(0), invoked(1, 10), dropped(1, 12), acked(1, 14)),
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'message 1 was acknowledged to p at 14 ms but c never handled it (never delivered, broker dropped it at 12 ms (queue-full))',
        evidence: ['subscribed c', 'publish-invoked p m1', 'message-dropped c m1', 'publish-acked p m1'],
      },
    ],
  },
  {
    name: 'consumer never subscribed: expects nothing',
    history: history(published(1, 10)),
    violations: [],
  },
  {
    name: 'consumer subscribed only after the publish: not expected',
    history: history(invoked(1, 10), subscribed(11), acked(1, 14)),
    violations: [],
  },
  {
    name: 'consumer subscribed in the same millisecond as the publish: expected',
    history: history(invoked(1, 10), subscribed(10), acked(1, 14)),
    violations: [{ message: 1, consumer: 'c', evidence: ['publish-invoked p m1', 'subscribed c', 'publish-acked p m1'] }],
  },
  {
    name: 'non-persistent consumer: never expects, so its loss is not judged',
    history: history(subscribed(0), published(1, 10)),
    context: contextOf(['p'], { c: 'clean' }),
    violations: [],
  },
  {
    name: 'two consumers: only the one that did not handle it',
    history: history(subscribed(0, 'a'), subscribed(1, 'b'), published(1, 10), consumed(1, 20, 'a')),
    context: contextOf(['p'], { a: 'persistent', b: 'persistent' }),
    violations: [{ message: 1, consumer: 'b', evidence: ['subscribed b', 'publish-invoked p m1', 'publish-acked p m1'] }],
  },
  {
    name: 'handled after a redelivery following a broker restart: holds',
    history: history(subscribed(0), published(1, 10), delivered(1, 20), fault('broker-kill', 21), restarted(30), consumed(1, 40, 'c', true)),
    violations: [],
  },
  {
    name: 'two producers: the violation names the producer that published it',
    history: history(subscribed(0), published(1, 10, 'p'), published(2, 20, 'q'), consumed(1, 30)),
    context: contextOf(['p', 'q'], { c: 'persistent' }),
    violations: [{ message: 2, consumer: 'c', producer: 'q', summary: /^message 2 was acknowledged to q at 24 ms/ }],
  },
  {
    name: 'handled by the wrong consumer does not count for the other',
    history: history(subscribed(0, 'a'), subscribed(0, 'b'), published(1, 10), handled(1, 20, 'b')),
    context: contextOf(['p'], { a: 'persistent', b: 'persistent' }),
    violations: [{ message: 1, consumer: 'a' }],
  },
];

describe('no-loss-acked', () => {
  for (const c of cases) it(c.name, () => runCase(noLossAcked, c));
});
