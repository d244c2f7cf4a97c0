// The exhaustive search's states, one row each in growable typed arrays: the state's first
// (shortest, then first in walk order) path as a link to its parent's row and the option taken,
// and what the state is (its world state's id and its fault-record list's id). Searches run to
// tens of millions of states; an object per state would give the garbage collector that many
// objects to trace on every major collection, which is where such a search spends its time.
import { assert } from '../../models/assert.ts';

const noParent = -1;

export class PathArena {
  private parents = new Int32Array(1024);
  private options = new Int32Array(1024);
  private depths = new Int32Array(1024);
  /** 1 if the option was chosen among several (a trace records only those). */
  private chosen = new Uint8Array(1024);
  private worlds = new Int32Array(1024);
  private records = new Int32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The root's row: no parent, no option. */
  addRoot(world: number, records: number): number {
    assert(this.count === 0, 'a path arena has one root');
    return this.push(noParent, 0, false, 0, world, records);
  }

  add(parent: number, option: number, chosen: boolean, world: number, records: number): number {
    assert(parent >= 0 && parent < this.count, () => `no state ${parent} to step from`);
    return this.push(parent, option, chosen, (this.depths[parent] as number) + 1, world, records);
  }

  depth(state: number): number {
    return this.depths[state] as number;
  }

  world(state: number): number {
    return this.worlds[state] as number;
  }

  recordList(state: number): number {
    return this.records[state] as number;
  }

  /** The path from the root to `state`: each step's option and whether it was chosen among several. */
  path(state: number): { readonly order: number[]; readonly choices: number[] } {
    const rows: number[] = [];
    for (let at = state; (this.parents[at] as number) !== noParent; at = this.parents[at] as number) rows.push(at);
    rows.reverse();
    return {
      order: rows.map((row) => this.options[row] as number),
      choices: rows.filter((row) => this.chosen[row] === 1).map((row) => this.options[row] as number),
    };
  }

  private push(parent: number, option: number, chosen: boolean, depth: number, world: number, records: number): number {
    if (this.count === this.parents.length) this.grow();
    const row = this.count;
    this.parents[row] = parent;
    this.options[row] = option;
    this.depths[row] = depth;
    this.chosen[row] = chosen ? 1 : 0;
    this.worlds[row] = world;
    this.records[row] = records;
    this.count += 1;
    return row;
  }

  private grow(): void {
    const capacity = this.parents.length * 2;
    const grown = <T extends Int32Array | Uint8Array>(array: T, make: (length: number) => T): T => {
      const next = make(capacity);
      next.set(array);
      return next;
    };
    this.parents = grown(this.parents, (n) => new Int32Array(n));
    this.options = grown(this.options, (n) => new Int32Array(n));
    this.depths = grown(this.depths, (n) => new Int32Array(n));
    this.chosen = grown(this.chosen, (n) => new Uint8Array(n));
    this.worlds = grown(this.worlds, (n) => new Int32Array(n));
    this.records = grown(this.records, (n) => new Int32Array(n));
  }
}
