// Every nondeterministic decision of a run — which of several simultaneous events goes first,
// a packet's latency — is asked of a Chooser. A trace is the config, the scenario and the list
// of choices; replaying feeds the same list back and must reproduce the same run.
import seedrandom from 'seedrandom';

export interface Chooser {
  /**
   * An integer in [0, optionCount). `key` names what is being decided (a hash of, e.g., "the
   * latency of the second PUBLISH id=1 from producer to broker"); a random chooser draws keyed decisions from
   * the seed and the key alone, so a change elsewhere in a scenario (one fault fewer, while
   * shrinking) leaves unrelated decisions as they were.
   */
  choose(optionCount: number, key?: number): number;
}

/** Folds one more 32-bit word into a key (FNV-1a step per word). */
export function keyStep(key: number, word: number): number {
  return Math.imul(key ^ word, 0x01000193);
}

export const keyStart = 0x811c9dc5;

/** murmur3's finaliser over the key with the seed mixed in: a uniform value in [0, 1). */
function keyedDraw(seed: number, key: number): number {
  let hash = keyStep(key, seed);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x100000000;
}

export class ChoiceDivergence extends Error {
  override name = 'ChoiceDivergence';
}

/** Draws from a seeded PRNG (seedrandom's Alea) and records what it drew. */
export class RandomChooser implements Chooser {
  readonly choices: number[] = [];
  private readonly random: () => number;

  constructor(private readonly seed: number, private readonly record = true) {
    this.random = seedrandom.alea(String(seed));
  }

  choose(optionCount: number, key?: number): number {
    const draw = key === undefined ? this.random() : keyedDraw(this.seed, key);
    const choice = Math.floor(draw * optionCount);
    if (this.record) this.choices.push(choice);
    return choice;
  }
}

/** Feeds back recorded choices; a run that asks differently than the recording has diverged. */
export class ReplayChooser implements Chooser {
  private position = 0;

  constructor(private readonly choices: readonly number[]) {}

  choose(optionCount: number): number {
    const choice = this.choices[this.position];
    if (choice === undefined) {
      throw new ChoiceDivergence(`the run asked for choice #${this.position + 1} but the trace records only ${this.choices.length}`);
    }
    if (choice >= optionCount) {
      throw new ChoiceDivergence(`choice #${this.position + 1} is ${choice} but the run offers only ${optionCount} options`);
    }
    this.position += 1;
    return choice;
  }

  /** Whether every recorded choice was asked for. */
  get exhausted(): boolean {
    return this.position === this.choices.length;
  }

  get used(): number {
    return this.position;
  }
}
