// A history the properties cannot read honestly is a harness bug: it throws, naming the event,
// rather than letting a property pass silently.
import { describe, expect, it } from 'vitest';
import { ModelInvariantError } from '../models/assert.ts';
import type { History } from '../models/history.ts';
import { properties } from './index.ts';
import { indexHistory } from './history-index.ts';
import { acked, context, contextOf, delivered, dropped, handled, history, invoked, subscribed } from './test-histories.ts';
import type { PropertyContext } from './types.ts';

describe('indexHistory', () => {
  const bad: readonly { name: string; history: History; context: PropertyContext; error: RegExp }[] = [
    {
      name: 'a message invoked twice',
      history: history(invoked(1, 10), invoked(1, 11)),
      context,
      error: /history event 1 .*message 1 was already invoked at history event 0/,
    },
    {
      name: 'a message handled but never invoked',
      history: history(invoked(1, 10), handled(2, 20)),
      context,
      error: /history event 1 .*message 2 was never invoked/,
    },
    {
      name: 'an acknowledgement for a message never invoked',
      history: history(acked(1, 10)),
      context,
      error: /history event 0 .*message 1 was never invoked/,
    },
    {
      name: 'an acknowledgement to a producer that did not invoke it',
      history: history(invoked(1, 10, 'p'), acked(1, 12, 'q')),
      context: contextOf(['p', 'q'], { c: 'persistent' }),
      error: /history event 1 .*invoked by "p"/,
    },
    {
      name: 'a consumer missing from the context (it would otherwise never be judged)',
      history: history(invoked(1, 10), delivered(1, 20, 'x')),
      context,
      error: /consumer "x" is not in the property context/,
    },
    {
      name: 'a subscribing consumer missing from the context',
      history: history(subscribed(0, 'x')),
      context,
      error: /consumer "x" is not in the property context/,
    },
    {
      name: 'a producer missing from the context',
      history: history(invoked(1, 10, 'q')),
      context,
      error: /producer "q" is not in the property context/,
    },
    {
      name: 'a context naming a consumer twice',
      history: history(),
      context: { producers: ['p'], consumers: [{ name: 'c', persistent: true }, { name: 'c', persistent: false }] },
      error: /names a consumer twice/,
    },
  ];
  for (const c of bad) {
    it(`throws on ${c.name}`, () => {
      expect(() => indexHistory(c.history, c.context)).toThrow(ModelInvariantError);
      expect(() => indexHistory(c.history, c.context)).toThrow(c.error);
      // Every property reads through the index, so every property refuses it.
      for (const property of properties) expect(() => property.check(c.history, c.context)).toThrow(c.error);
    });
  }

  it('files a drop for a client outside the context without complaint', () => {
    const index = indexHistory(history(invoked(1, 10), dropped(1, 11, 'someone-else')), context);
    expect(index.at('message-dropped', 'someone-else', 1)).toEqual([1]);
    expect(index.at('message-dropped', 'c', 1)).toEqual([]);
  });

  it('records the first acknowledgement and lists messages by id', () => {
    const index = indexHistory(history(invoked(2, 10), invoked(1, 11), acked(1, 12), acked(1, 13)), context);
    expect(index.messages.map((m) => [m.message, m.invokedIndex, m.ackedIndex])).toEqual([
      [1, 1, 2],
      [2, 0, undefined],
    ]);
  });

  it('an empty history violates nothing', () => {
    for (const property of properties) expect(property.check([], context)).toEqual([]);
  });
});
