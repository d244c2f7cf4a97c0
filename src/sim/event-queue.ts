// Pending events ordered by virtual time, then by the sequence number they were scheduled with.
// A binary heap: the hot path of every run.

export interface Scheduled {
  readonly atMs: number;
  readonly seq: number;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

export class EventQueue<E extends Scheduled> {
  private heap: E[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): E | undefined {
    return this.heap[0];
  }

  push(event: E): void {
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentEvent = heap[parent] as E;
      if (!before(event, parentEvent)) break;
      heap[index] = parentEvent;
      index = parent;
    }
    heap[index] = event;
  }

  pop(): E | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right] as E, heap[left] as E)) child = right;
      const childEvent = heap[child] as E;
      if (!before(childEvent, last)) break;
      heap[index] = childEvent;
      index = child;
    }
    heap[index] = last;
    return top;
  }

  /** Every event, in no particular order (for snapshots of the world). */
  toArray(): readonly E[] {
    return this.heap;
  }

  clone(): EventQueue<E> {
    const copy = new EventQueue<E>();
    copy.heap = this.heap.slice();
    return copy;
  }
}
