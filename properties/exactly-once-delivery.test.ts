import { describe, it } from 'vitest';
import { exactlyOnceDelivery } from './exactly-once-delivery.ts';
import {
  acked, consumed, contextOf, delivered, dropped, history, invoked, published, runCase, sent, subscribed,
  type Case,
} from './test-histories.ts';

const cases: readonly Case[] = [
  {
    name: 'acknowledged, expected, delivered once: holds',
    history: history(subscribed(0), published(1, 10), consumed(1, 20)),
    violations: [],
  },
  {
    name: 'delivered once but never handled: holds (delivery is the library, not the application)',
    history: history(subscribed(0), published(1, 10), delivered(1, 20)),
    violations: [],
  },
  {
    name: 'acknowledged, expected, never delivered',
    history: history(subscribed(0), published(1, 10)),
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'message 1 was acknowledged to p at 14 ms but never delivered to c',
        evidence: ['subscribed c', 'publish-invoked p m1', 'publish-acked p m1'],
      },
    ],
  },
  {
    name: 'never delivered because the broker dropped it: the drop is evidence',
    history: history(subscribed(0), invoked(1, 10), dropped(1, 12), acked(1, 14)),
    violations: [{ message: 1, consumer: 'c', evidence: ['subscribed c', 'publish-invoked p m1', 'message-dropped c m1', 'publish-acked p m1'] }],
  },
  {
    // QoS 1 is at least once (MQTT 3.1.1 §4.3.2): a resend with DUP is a second delivery.
    name: 'acknowledged, delivered three times',
    history: history(subscribed(0), published(1, 10), delivered(1, 20), delivered(1, 30, 'c', true), delivered(1, 40, 'c', true)),
    violations: [
      {
        message: 1,
        consumer: 'c',
        summary: 'message 1 was delivered to c 3 times (at 20 ms, 30 ms, 40 ms)',
        evidence: ['delivered c m1', 'delivered c m1', 'delivered c m1'],
      },
    ],
  },
  {
    name: 'acknowledgement lost, never delivered: unknown outcome, not judged',
    history: history(subscribed(0), invoked(1, 10), sent(1, 11)),
    violations: [],
  },
  {
    name: 'acknowledgement lost, delivered twice: a duplicate all the same',
    history: history(subscribed(0), invoked(1, 10), delivered(1, 20), delivered(1, 30, 'c', true)),
    violations: [{ message: 1, consumer: 'c', summary: /delivered to c 2 times/ }],
  },
  {
    name: 'non-persistent consumer: not owed the message, so never delivered is fine',
    history: history(subscribed(0), published(1, 10)),
    context: contextOf(['p'], { c: 'clean' }),
    violations: [],
  },
  {
    name: 'non-persistent consumer: delivered twice still violates',
    history: history(subscribed(0), published(1, 10), delivered(1, 20), delivered(1, 21, 'c', true)),
    context: contextOf(['p'], { c: 'clean' }),
    violations: [{ message: 1, consumer: 'c', evidence: ['delivered c m1', 'delivered c m1'] }],
  },
  {
    name: 'consumer never subscribed: expects nothing',
    history: history(published(1, 10)),
    violations: [],
  },
  {
    name: 'subscribed after the publish: not owed',
    history: history(invoked(1, 10), acked(1, 14), subscribed(15)),
    violations: [],
  },
];

describe('exactly-once-delivery', () => {
  for (const c of cases) it(c.name, () => runCase(exactlyOnceDelivery, c));
});
