// How many times each decision key has been asked in one run (TimedWorld's latencies): a counter
// per 32-bit key. An open-addressing table in two arrays, not a Map: a run asks about a hundred
// keys, and a Map grows to that through five rehashes, a new table each (measured: 3.1 us a run,
// this table 1.7 us). Plain arrays, not typed ones: a typed array this size lives off the heap and
// costs more to make. The counts are exactly what a Map would hold (key-counts.test.ts).

/** A power of two, at least twice the keys a 10-message run asks, so most runs never grow. */
const initialSlots = 256;

export class KeyCounts {
  private keys = new Array<number>(initialSlots).fill(0);
  /** The count + 1 of the key in the same slot; 0 = the slot is empty (a key may be 0). */
  private counts = new Array<number>(initialSlots).fill(0);
  private size = 0;
  /** The slots in use, so that clear() empties only those. */
  private readonly used: number[] = [];

  /** The key's count so far, and one more from now on. */
  next(anyKey: number): number {
    const key = anyKey | 0;
    const mask = this.keys.length - 1;
    for (let slot = spread(key) & mask; ; slot = (slot + 1) & mask) {
      const stored = this.counts[slot] as number;
      if (stored === 0) {
        this.keys[slot] = key;
        this.counts[slot] = 2;
        this.used.push(slot);
        this.size += 1;
        if (this.size * 2 > this.keys.length) this.grow();
        return 0;
      }
      if (this.keys[slot] === key) {
        this.counts[slot] = stored + 1;
        return stored - 1;
      }
    }
  }

  /** Forgets every key, as a new table would, for the next run (cheaper than making one). */
  clear(): void {
    const used = this.used;
    while (used.length > 0) this.counts[used.pop() as number] = 0;
    this.size = 0;
  }

  private grow(): void {
    const keys = this.keys;
    const counts = this.counts;
    while (this.used.length > 0) this.used.pop();
    this.keys = new Array<number>(keys.length * 2).fill(0);
    this.counts = new Array<number>(keys.length * 2).fill(0);
    const mask = this.keys.length - 1;
    for (let from = 0; from < keys.length; from += 1) {
      const stored = counts[from] as number;
      if (stored === 0) continue;
      const key = keys[from] as number;
      let slot = spread(key) & mask;
      while (this.counts[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.counts[slot] = stored;
      this.used.push(slot);
    }
  }
}

/** Fibonacci hashing: keys are hashes already, but their low bits alone need not be spread. */
function spread(key: number): number {
  return Math.imul(key, 0x9e3779b1) >>> 16;
}
