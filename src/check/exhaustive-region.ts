// Where the exhaustive search needs fault records: the world states from which a violating end
// state can still be reached. The search walks the world states first, without their fault
// records (exhaustive.ts, first pass), and then walks world states with their record lists only
// inside this region (second pass). Why that finds every class, each with the same shortest path:
//  - A record list is read by nothing but a violating end state's signatures (explore/signature.ts):
//    no step reads a fault record (canonical.ts, 6), a non-violating end state is judged by its
//    history alone (judge.ts) and names no class. So outside the region, where every end state
//    ahead is non-violating, the record lists of one world state lead to the same steps and to
//    no class: the world state stands for all of them (it is counted as one state).
//  - Every path from the root to a violating end state stays inside the region: each state on
//    it reaches that end state by the rest of the path. So the second pass, a breadth-first
//    walk over the record lists that skips only steps into states outside the region, reaches
//    every (end state, record list) pair the walk over all states reaches.
//  - It reaches each by the same first path (the shortest, then the first in the walk's order
//    of options), and so the same culprits, which counterfactual runs read from the path
//    (exhaustive-culprit.ts): by induction on the depth, each level holds the same states as
//    the unrestricted walk's level without those outside the region, in the same order, since
//    a state inside is first reached from a parent on its first path, which is inside too.
// exhaustive-reduction.test.ts compares the two on small bounds, path by path.
import type { Edge, WorldRecord } from './exhaustive-worlds.ts';

/**
 * The region as a flag per world-state id: 1 for the seeds and every world state with a step
 * (an edge `stepsOf` gives) to one already in it. Backward breadth-first over the edges reversed.
 */
export function regionOf(records: readonly WorldRecord[], isSeed: (record: WorldRecord) => boolean, stepsOf: (record: WorldRecord) => readonly Edge[]): Uint8Array {
  const count = records.length;
  // The edges reversed, as offsets into one array of parents (compressed sparse rows).
  const starts = new Int32Array(count + 1);
  for (const record of records) for (const edge of stepsOf(record)) starts[edge.child.id + 1] = (starts[edge.child.id + 1] as number) + 1;
  for (let id = 0; id < count; id += 1) starts[id + 1] = (starts[id + 1] as number) + (starts[id] as number);
  const parents = new Int32Array(starts[count] as number);
  const filled = starts.slice(0, count);
  for (const record of records) {
    for (const edge of stepsOf(record)) {
      const at = filled[edge.child.id] as number;
      parents[at] = record.id;
      filled[edge.child.id] = at + 1;
    }
  }
  const inside = new Uint8Array(count);
  const queue: number[] = [];
  for (const record of records) {
    if (isSeed(record)) {
      inside[record.id] = 1;
      queue.push(record.id);
    }
  }
  for (let at = 0; at < queue.length; at += 1) {
    const child = queue[at] as number;
    for (let p = starts[child] as number; p < (starts[child + 1] as number); p += 1) {
      const parent = parents[p] as number;
      if (inside[parent] === 1) continue;
      inside[parent] = 1;
      queue.push(parent);
    }
  }
  return inside;
}
