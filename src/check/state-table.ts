// The exhaustive search's visited set of world states: each state's key (a row of int32s,
// canonical-key.ts) is stored whole, end to end in one growing Int32Array, and found through an
// open-addressing table of 32-bit hashes (linear probing). A hit compares the whole key, so two
// states are one exactly when their keys are equal: no hash compaction, no omission probability.
// Memory per state: the key's ints, one offset and one hash, and two table slots at most (the
// table doubles at half full); no string and no object per state.

/** A key being built: a growing row of int32s, reused from state to state. */
export class KeyBuffer {
  data = new Int32Array(256);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /**
   * The key as it stands, in an array of its own (the buffer is reused), with its hash. A plain
   * array: most keys copied are of states met once, and a small typed array would cost a
   * backing store of its own.
   */
  copy(hash: number): StateKey {
    const data: number[] = new Array<number>(this.length);
    for (let i = 0; i < this.length; i += 1) data[i] = this.data[i] as number;
    return { data, hash };
  }
}

/** A key kept beyond the buffer's next use, with its hash. */
export interface StateKey {
  readonly data: readonly number[];
  readonly hash: number;
}

/** MurmurHash3's 32-bit mix over int32s (Austin Appleby, public domain): fast, and every bit of every int reaches every bit of the hash. */
export function hashInts(data: ArrayLike<number>, length: number): number {
  let h = 0x9747b28c ^ length;
  for (let i = 0; i < length; i += 1) {
    let k = Math.imul(data[i] as number, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class StateTable {
  /** Per slot: 0 empty, else the id of the state there plus one. */
  private slots = new Int32Array(1 << 12);
  /** Per state id: its key's start in `keys` (the next state's start is its end), and its hash. */
  private starts = new Float64Array((1 << 10) + 1);
  private hashes = new Int32Array(1 << 10);
  private keys = new Int32Array(1 << 14);
  private used = 0;
  size = 0;

  /** The id of the state whose key is `data[0, length)`, or -1. */
  find(data: ArrayLike<number>, length: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const entry = this.slots[at] as number;
      if (entry === 0) return -1;
      const id = entry - 1;
      if (this.hashes[id] === hash && this.equals(id, data, length)) return id;
    }
  }

  /** Adds a state not in the table; returns its id (0, 1, 2, ... in the order of adding). */
  add(key: StateKey): number {
    const id = this.size;
    if (id === this.hashes.length) this.growRows();
    const length = key.data.length;
    while (this.used + length > this.keys.length) this.keys = grown(this.keys, this.keys.length * 2);
    const keys = this.keys;
    for (let i = 0; i < length; i += 1) keys[this.used + i] = key.data[i] as number;
    this.starts[id] = this.used;
    this.used += length;
    this.starts[id + 1] = this.used;
    this.hashes[id] = key.hash;
    this.size += 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    else this.place(id, key.hash);
    return id;
  }

  private equals(id: number, data: ArrayLike<number>, length: number): boolean {
    const start = this.starts[id] as number;
    if ((this.starts[id + 1] as number) - start !== length) return false;
    const keys = this.keys;
    for (let i = 0; i < length; i += 1) if (keys[start + i] !== data[i]) return false;
    return true;
  }

  private place(id: number, hash: number): void {
    const mask = this.slots.length - 1;
    let at = hash & mask;
    while (this.slots[at] !== 0) at = (at + 1) & mask;
    this.slots[at] = id + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.size; id += 1) this.place(id, this.hashes[id] as number);
  }

  private growRows(): void {
    // One more start than rows: a row's end is the next row's start.
    const starts = new Float64Array(this.hashes.length * 2 + 1);
    starts.set(this.starts);
    this.starts = starts;
    this.hashes = grown(this.hashes, this.hashes.length * 2);
  }
}

function grown(data: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(length);
  out.set(data);
  return out;
}
