import { describe, expect, it } from 'vitest';
import { RandomChooser } from './chooser.ts';
import { EventQueue } from './event-queue.ts';

describe('EventQueue', () => {
  it('pops by time, then by sequence number', () => {
    const queue = new EventQueue<{ atMs: number; seq: number; name: string }>();
    const random = new RandomChooser(7, false);
    const events = Array.from({ length: 500 }, (_, seq) => ({ atMs: random.choose(50), seq, name: `e${seq}` }));
    for (const event of events) queue.push(event);
    const popped: string[] = [];
    for (let event = queue.pop(); event !== undefined; event = queue.pop()) popped.push(event.name);
    const expected = [...events].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq).map((event) => event.name);
    expect(popped).toEqual(expected);
    expect(queue.size).toBe(0);
  });

  it('clones independently', () => {
    const queue = new EventQueue<{ atMs: number; seq: number }>();
    queue.push({ atMs: 1, seq: 0 });
    const copy = queue.clone();
    copy.pop();
    expect(queue.size).toBe(1);
    expect(copy.size).toBe(0);
  });
});
