// The timed agenda (exploration): events happen at their virtual times, off a heap ordered by
// (time, sequence). Only two things are choices: a packet's latency, and which of several events
// due at the same instant goes first — except that two packets on one connection direction keep
// their order (TCP is FIFO). What each event does is World's (world.ts), shared with the
// exhaustive agenda.
import type { Config } from '../../models/config.ts';
import type { Scenario } from '../../models/scenario.ts';
import { keyStep, type Chooser } from './chooser.ts';
import { EventQueue } from './event-queue.ts';
import { channelOf } from './exhaustive-world.ts';
import { KeyCounts } from './key-counts.ts';
import type { RunEnd } from './log.ts';
import { World, type RunOptions, type RunResult, type Slot, type WorldEvent, type WorldNodes } from './world.ts';

export class TimedWorld extends World {
  protected readonly defersSigterm = true;
  private readonly queue = new EventQueue<WorldEvent>();
  private readonly latencyMsMin: number;
  private readonly latencySpanMs: number;
  /** How many times each latency key was asked, so that every decision has a key of its own. */
  private readonly keyCounts = takeKeyCounts();
  /** After this instant no scenario item is due; the healing phase is bounded from here. */
  private readonly scenarioEndMs: number;
  /** Reused by next(): a tie happens every few events, and these stay a handful long. */
  private readonly ready: WorldEvent[] = [];
  private readonly eligible: number[] = [];

  constructor(config: Config, scenario: Scenario, nodes: WorldNodes, chooser: Chooser, options: RunOptions = {}) {
    super(config, scenario, nodes, chooser, options);
    this.latencyMsMin = config.network.latencyMsMin;
    this.latencySpanMs = config.network.latencyMsMax - config.network.latencyMsMin;
    let endMs = 0;
    for (const message of scenario.messages) endMs = Math.max(endMs, message.atMs);
    for (const period of scenario.offline) endMs = Math.max(endMs, period.toMs);
    for (const fault of scenario.faults) if (fault.when.kind === 'time') endMs = Math.max(endMs, fault.when.atMs);
    this.scenarioEndMs = endMs;
  }

  run(): RunResult {
    this.schedule();
    const eventsMax = this.config.timing.eventsMax;
    const horizonMs = this.scenarioEndMs + this.config.timing.healingMsMax;
    let events = 0;
    let end: RunEnd = 'quiescent';
    for (;;) {
      if (this.foregroundPending === 0) break;
      if (events >= eventsMax) {
        end = 'events-max';
        break;
      }
      const event = this.next();
      if (event === undefined) break;
      if (event.atMs > horizonMs) {
        end = 'healing-ms-max';
        break;
      }
      this.nowMs = event.atMs;
      if (!event.background) this.foregroundPending -= 1;
      this.dispatch(event.payload);
      events += 1;
    }
    releaseKeyCounts(this.keyCounts);
    return this.result(events, end);
  }

  protected enqueue(event: WorldEvent): void {
    this.queue.push(event);
  }

  /** Stale timer events stay on the heap: dispatch skips them by generation when they are due. */
  protected forgetTimers(_node: Slot, _timer: string | null): void {}

  /** A latency, keyed by what travels (see Chooser) so that unrelated changes leave it as it was. */
  protected latencyMs(what: number): number {
    if (this.latencySpanMs === 0) return this.latencyMsMin;
    const count = this.keyCounts.next(what);
    return this.latencyMsMin + this.chooser.choose(this.latencySpanMs + 1, keyStep(what, count));
  }

  /** The next event: the earliest, or among several due at one instant, the chosen one. */
  private next(): WorldEvent | undefined {
    const queue = this.queue;
    const first = queue.pop();
    if (first === undefined) return undefined;
    const following = queue.peek();
    if (following === undefined || following.atMs !== first.atMs) return first;
    const ready = this.ready;
    const eligible = this.eligible;
    // Emptied by pops: V8 sets an array's length in its runtime, several times slower.
    while (ready.length > 0) ready.pop();
    while (eligible.length > 0) eligible.pop();
    ready.push(first);
    for (let event = queue.peek(); event !== undefined && event.atMs === first.atMs; event = queue.peek()) ready.push(queue.pop() as WorldEvent);
    // In (time, seq) order, an arrival or orderly close is eligible only if no earlier ready one is on its connection direction.
    for (let index = 0; index < ready.length; index += 1) {
      if (!behindOnItsChannel(ready, index)) eligible.push(index);
    }
    const picked = eligible.length === 1 ? 0 : (eligible[this.chooser.choose(eligible.length)] as number);
    for (let index = 0; index < ready.length; index += 1) {
      if (index !== picked) queue.push(ready[index] as WorldEvent);
    }
    return ready[picked];
  }
}

/**
 * One latency-key table serves run after run: a run's table is emptied and kept when the run
 * ends, and the next world takes it (a new one costs two 256-slot arrays; runs never overlap in a
 * thread, and a world that never ends its run just leaves the next to make its own).
 */
let spareKeyCounts: KeyCounts | null = null;

function takeKeyCounts(): KeyCounts {
  const counts = spareKeyCounts ?? new KeyCounts();
  spareKeyCounts = null;
  return counts;
}

function releaseKeyCounts(counts: KeyCounts): void {
  counts.clear();
  spareKeyCounts = counts;
}

/**
 * Whether an earlier event of `ready` travels on the same connection direction (channelOf): a
 * packet, or an orderly close, which TCP delivers behind everything sent before it that way. A
 * close due at the same instant as the last packet before it must not overtake it.
 */
function behindOnItsChannel(ready: readonly WorldEvent[], index: number): boolean {
  const channel = channelOf(ready[index] as WorldEvent);
  if (channel < 0) return false;
  for (let earlier = 0; earlier < index; earlier += 1) {
    if (channelOf(ready[earlier] as WorldEvent) === channel) return true;
  }
  return false;
}
