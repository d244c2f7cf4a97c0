import { describe, expect, it } from 'vitest';
import { expectations } from './expectations.ts';
import { context, contextOf, history, invoked, subscribed } from './test-histories.ts';

describe('expectations', () => {
  const cases = [
    {
      name: 'persistent consumer subscribed before the publish expects it',
      history: history(subscribed(0), invoked(1, 10)),
      context,
      expected: [{ message: 1, consumer: 'c', subscribedIndex: 0 }],
    },
    {
      name: 'a consumer that never subscribed expects nothing',
      history: history(invoked(1, 10), invoked(2, 20)),
      context,
      expected: [],
    },
    {
      name: 'subscribed at the same millisecond counts, later does not',
      history: history(invoked(1, 10), subscribed(10), invoked(2, 10), invoked(3, 11)),
      context,
      expected: [
        { message: 1, consumer: 'c', subscribedIndex: 1 },
        { message: 2, consumer: 'c', subscribedIndex: 1 },
        { message: 3, consumer: 'c', subscribedIndex: 1 },
      ],
    },
    {
      name: 'messages before the first subscription are not expected, later ones are',
      history: history(invoked(1, 5), subscribed(8), invoked(2, 10)),
      context,
      expected: [{ message: 2, consumer: 'c', subscribedIndex: 1 }],
    },
    {
      name: 'the first subscription is the one that counts, even if a later one re-subscribed',
      history: history(subscribed(0), subscribed(5, 'c', true), invoked(1, 10)),
      context,
      expected: [{ message: 1, consumer: 'c', subscribedIndex: 0 }],
    },
    {
      name: 'non-persistent consumers never expect',
      history: history(subscribed(0, 'a'), subscribed(0, 'b'), invoked(1, 10)),
      context: contextOf(['p'], { b: 'persistent', a: 'clean' }),
      expected: [{ message: 1, consumer: 'b', subscribedIndex: 1 }],
    },
    {
      name: 'ascending by message, then consumer name',
      history: history(subscribed(0, 'z'), subscribed(0, 'a'), invoked(2, 10), invoked(1, 11)),
      context: contextOf(['p'], { z: 'persistent', a: 'persistent' }),
      expected: [
        { message: 1, consumer: 'a', subscribedIndex: 1 },
        { message: 1, consumer: 'z', subscribedIndex: 0 },
        { message: 2, consumer: 'a', subscribedIndex: 1 },
        { message: 2, consumer: 'z', subscribedIndex: 0 },
      ],
    },
  ];
  for (const c of cases) it(c.name, () => expect(expectations(c.history, c.context)).toEqual(c.expected));
});
