// Every nondeterministic decision of a run — which of several simultaneous events goes first,
// a packet's latency — is asked of a Chooser. A trace is the config, the scenario and the list
// of choices; replaying feeds the same list back and must reproduce the same run.
import seedrandom from 'seedrandom';

export interface Chooser {
  /** An integer in [0, optionCount). */
  choose(optionCount: number): number;
}

export class ChoiceDivergence extends Error {
  override name = 'ChoiceDivergence';
}

/** Draws from a seeded PRNG (seedrandom's Alea) and records what it drew. */
export class RandomChooser implements Chooser {
  readonly choices: number[] = [];
  private readonly random: () => number;

  constructor(seed: number, private readonly record = true) {
    this.random = seedrandom.alea(String(seed));
  }

  choose(optionCount: number): number {
    const choice = Math.floor(this.random() * optionCount);
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
