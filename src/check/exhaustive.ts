// Bounded exhaustive model checking: a walk over every option of an exhaustive world
// (sim/exhaustive-world.ts) — every order of enabled events, every fault the budget allows at
// every point — with a visited set of canonical states (canonical.ts, canonical-key.ts) so that each state
// is expanded once. Every quiescent state is a complete run: it is judged like an explored run
// (check/judge.ts) and its violations are grouped into the same classes (signature.ts), each
// kept with its shortest path. The walk goes breadth first (see exhaustiveSearch), so the first
// path found to a state, and so to a class, is the shortest there is, and among paths of one
// length the first in the walk's fixed order of options: the result is the same every time,
// and the same however the top-level options are split across shards or workers (with one
// caveat, see exhaustive-culprit.ts: a culprit that a counterfactual run decides).
import type { Config } from '../../models/config.ts';
import { assert } from '../../models/assert.ts';
import type { FaultKind } from '../../models/history.ts';
import type { Scenario } from '../../models/scenario.ts';
import type { Violation } from '../../properties/types.ts';
import { judge, propertyContext } from './judge.ts';
import type { Chooser } from '../sim/chooser.ts';
import { ExhaustiveWorld, type StepOption, type WorldSnapshot, type WorldView } from '../sim/exhaustive-world.ts';
import { nodesFor } from '../sim/run.ts';
import type { FaultRecord, Slot } from '../sim/world.ts';
import { Canonicalizer } from './canonical.ts';
import { FaultBudget, type Budget } from './exhaustive-budget.ts';
import { exhaustiveButFor, type KeyedPath } from './exhaustive-culprit.ts';
import { aloneCandidate, outsideOf, quietCandidate, quietWorld, shelteredCandidate, stayedInside, stayedQuiet, stayedSheltered } from './exhaustive-reduction.ts';
import { regionOf } from './exhaustive-region.ts';
import { firstVisit, WorldStates, type Edge, type PendingEdge, type StateEncoding, type WorldRecord } from './exhaustive-worlds.ts';
import { PathArena } from './path-arena.ts';
import { signaturesOf, slugOf, type Signature } from '../explore/signature.ts';

export interface ExhaustiveBounds {
  readonly messages: number;
  /** Crashes per node: the broker's kills and restarts together, the producer's, the consumer's. */
  readonly crashesPerNode: number;
  /** Connection drops per client link. */
  readonly dropsPerLink: number;
  /** Faults per path, of all kinds together (null: only the per-node and per-link bounds). */
  readonly faultsMax: number | null;
  /** Steps (events and faults) per path; a state that still has options at this depth is reported. */
  readonly depthMax: number;
  /**
   * Firings of the outbox's resend timer per path. Like every timer it may fire at any point
   * after it is set, so a reply that never comes would have it resend without end; a state
   * whose only steps left are resends beyond this bound is reported, not judged.
   */
  readonly resendsMax: number;
  /** The fault kinds that may strike. */
  readonly faultKinds: readonly FaultKind[];
}

/** The persistent sets of exhaustive-reduction.ts. */
export type ReductionSet = 'alone' | 'quiet' | 'sheltered';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface ExhaustiveOptions {
  readonly config: Config;
  readonly bounds: ExhaustiveBounds;
  /** Walk only the top-level options whose position among the walked ones is `index` mod `count`. */
  readonly shard?: Shard;
  /** Stop (incomplete, reported) once the search has run this long: for benchmarks of bounds too large to exhaust. */
  readonly stopAfterMs?: number;
  /** Asked every few states: true stops the search there (incomplete, reported), as Ctrl-C does. */
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (progress: ExhaustiveProgress) => void;
  /** Offer only a client's steps where it stands alone (exhaustive-reduction.ts); default true. false: the unreduced search, to compare. */
  readonly reduce?: boolean;
  /** How world states are told apart (exhaustive-worlds.ts); default 'key'. 'text': the canonical text, to compare. */
  readonly encoding?: StateEncoding;
  /** Note the broker's possible autosaves even where no broker fault can strike any more (see stepFrom); default false. true: to compare. */
  readonly notesUnusedSaves?: boolean;
  /**
   * Carry fault records only where a violation can still be reached (exhaustive-region.ts);
   * default: as `reduce`. false: every world state with every record list that reaches it.
   */
  readonly recordsWhereViolating?: boolean;
}

export interface ExhaustiveProgress {
  readonly states: number;
  readonly transitions: number;
  readonly classes: number;
  readonly elapsedMs: number;
}

export interface ExhaustiveClass {
  readonly id: string;
  readonly signature: Signature;
  /** Steps (events and faults) of the shortest path that shows it. */
  readonly steps: number;
  /** The choices of that path, as a trace records them. */
  readonly choices: readonly number[];
  /** The option taken at every step, forced ones included: the walk's order, which breaks ties between paths of one length. */
  readonly order: readonly number[];
  /** That path, step by step (optionKey), for reading. */
  readonly path: readonly string[];
  /** Terminal states (complete runs, up to the state hash) that showed it. */
  readonly terminals: number;
  /** The violations of the shortest path's run. */
  readonly violations: readonly Violation[];
}

export interface ExhaustiveReport {
  readonly bounds: ExhaustiveBounds;
  /**
   * Distinct states visited: world states with their fault-record lists where a violation can
   * still be reached, and world states alone elsewhere (exhaustive-region.ts).
   */
  readonly states: number;
  /** The states of the second pass: world states with a fault-record list. */
  readonly recordStates: number;
  /** Distinct world states among them (states without their fault records): the states simulated. */
  readonly worldStates: number;
  /** Options taken. */
  readonly transitions: number;
  /** States expanded, counting a state again when a shorter path reached it. */
  readonly expansions: number;
  /** World states at which only one client's steps were offered (exhaustive-reduction.ts). */
  readonly reducedStates: number;
  /** Of those, by the set offered: a client alone, quiet or sheltered (exhaustive-reduction.ts). */
  readonly reducedBySet: Readonly<Record<ReductionSet, number>>;
  /** Quiescent states judged. */
  readonly terminals: number;
  readonly violatingTerminals: number;
  readonly maxDepth: number;
  /** States at the depth bound that still had options: nonzero means the search is not complete. */
  readonly depthBounded: number;
  /** States not quiescent whose only steps left were resends beyond resendsMax: runs the bound cut, not judged. */
  readonly resendBounded: number;
  /** Distinct states by the depth they were first reached at. */
  readonly statesByDepth: readonly number[];
  readonly elapsedMs: number;
  /** The search stopped (stopAfterMs, shouldStop) before it had expanded every state (see `stoppedAtDepth`). */
  readonly stopped: boolean;
  /** The level the search was expanding when it stopped, or null. */
  readonly stoppedAtDepth: number | null;
  readonly classes: readonly ExhaustiveClass[];
}

export function exhaustiveScenario(messages: number): Scenario {
  return { messages: Array.from({ length: messages }, () => ({ atMs: 0 })), offline: [], faults: [] };
}

const noChooser: Chooser = {
  choose() {
    throw new Error('the exhaustive search takes options itself');
  },
};

function compareChoices(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Whether a path is shorter than another: fewer steps, then first in the walk's order. */
export function shorter(path: { readonly steps: number; readonly order: readonly number[] }, than: { readonly steps: number; readonly order: readonly number[] }): boolean {
  return path.steps < than.steps || (path.steps === than.steps && compareChoices(path.order, than.order) < 0);
}

/** Simplest stories first: fewer culprit faults, shorter paths, then by text. */
export function compareClasses(a: ExhaustiveClass, b: ExhaustiveClass): number {
  return (
    a.signature.culprits - b.signature.culprits ||
    a.steps - b.steps ||
    (a.signature.text < b.signature.text ? -1 : a.signature.text > b.signature.text ? 1 : 0)
  );
}

const progressEvery = 50_000;

interface WalkedPath extends KeyedPath {
  readonly shown: readonly string[];
  /** The world at the end of the path. */
  readonly view: WorldView;
}

/** The names of a path's steps, and the run they make: walk it again from the root (every step is deterministic). */
function walk(config: Config, scenario: Scenario, order: readonly number[]): WalkedPath {
  const world = new ExhaustiveWorld(config, scenario, nodesFor(config), noChooser);
  world.begin();
  const keys: string[] = [];
  const shown: string[] = [];
  const faultSteps: number[] = [];
  for (const index of order) {
    const option = world.options()[index];
    if (option === undefined || option.kind === 'end') throw new Error(`the path's step ${keys.length + 1} (option ${index}) is not there`);
    if (option.kind === 'fault') faultSteps.push(keys.length);
    keys.push(world.optionKey(option));
    shown.push(world.describeOption(option));
    world.take(option);
  }
  return { keys, shown, faultSteps, view: world.view() };
}

/**
 * The search, breadth first: each level holds the states first reached with that many steps,
 * in the order of their paths' choices, so every state is expanded once, at its shortest depth,
 * and the first path found to anything is the shortest (and, among those, the first in choice
 * order). A depth-first walk with a visited set expands each state once too, but meets many of
 * them first by a longer path (a client's refused reconnects while the broker is down are loops
 * that any other event can interleave with) and must expand them again to find shortest paths.
 *
 * Two passes. A state is a world state and its fault records, but no step reads the records
 * (a fault adds one), and only a violating end state's signatures do. The first pass walks the
 * world states alone, breadth first, simulating each once at its shortest depth and keeping its
 * steps as edges. The second pass follows those edges without simulating, carrying the record
 * lists, but only inside the world states from which a violating end state can be reached
 * (exhaustive-region.ts argues why that loses no class and changes no shortest path); elsewhere
 * a world state is one state, whatever records reach it. Faults at different points that leave
 * the world alike (a consumer crash before or after the broker took a PUBLISH) make the states
 * of one world state with several record lists. A violating end state is walked again from the
 * root, for its own history and records.
 * Memory: the world states with their edges and, until simulated, snapshots; a row of numbers
 * per state of the second pass (path-arena.ts) and the record lists seen with each world state.
 */
export function exhaustiveSearch(options: ExhaustiveOptions): ExhaustiveReport {
  return new Search(options).run();
}

/** What a search counts as it goes, for its report. */
interface Counts {
  transitions: number;
  terminals: number;
  violatingTerminals: number;
  maxDepth: number;
  depthBounded: number;
  resendBounded: number;
  expansions: number;
  reducedStates: number;
}

class Search {
  private readonly config: Config;
  private readonly bounds: ExhaustiveBounds;
  private readonly reduce: boolean;
  private readonly recordsWhereViolating: boolean;
  /** World states outside the region (exhaustive-region.ts), each counted as one state. */
  private outsideStates = 0;
  private nextProgress = progressEvery;
  private readonly stopAtMs: number;
  private readonly startedMs = performance.now();
  private readonly scenario: Scenario;
  private readonly budgets: FaultBudget;
  private readonly world: ExhaustiveWorld;
  private readonly worlds: WorldStates;
  private readonly states = new PathArena();
  private readonly statesByDepth: number[] = [];
  private readonly classes = new Map<string, { entry: ExhaustiveClass; terminals: number }>();
  private readonly reducedBySet: Record<ReductionSet, number> = { alone: 0, quiet: 0, sheltered: 0 };
  private readonly counts: Counts = { transitions: 0, terminals: 0, violatingTerminals: 0, maxDepth: 0, depthBounded: 0, resendBounded: 0, expansions: 0, reducedStates: 0 };
  private stoppedAtDepth: number | null = null;

  constructor(private readonly options: ExhaustiveOptions) {
    const { config, bounds } = options;
    this.config = config;
    this.bounds = bounds;
    this.reduce = options.reduce ?? true;
    this.recordsWhereViolating = options.recordsWhereViolating ?? this.reduce;
    this.stopAtMs = options.stopAfterMs === undefined ? Infinity : performance.now() + options.stopAfterMs;
    this.scenario = exhaustiveScenario(bounds.messages);
    const canonicalizer = new Canonicalizer({
      messageCount: bounds.messages,
      consumer: 'consumer',
      persistent: propertyContext(config).consumers.some((consumer) => consumer.name === 'consumer' && consumer.persistent),
    });
    this.budgets = new FaultBudget(bounds);
    this.worlds = new WorldStates(canonicalizer, this.budgets, options.encoding);
    this.world = new ExhaustiveWorld(config, this.scenario, nodesFor(config), noChooser);
    this.world.begin();
  }

  run(): ExhaustiveReport {
    const root = this.worlds.recordOf(this.worlds.childOf(this.world, this.budgets.root));
    this.walkWorlds(root);
    const region = this.recordsWhereViolating ? regionOf(this.worlds.byId, (record) => this.isSeed(record), (record) => this.stepsOf(record)) : null;
    this.countOutside(region);
    if (region === null || region[root.id] === 1) this.walkRecords(root, region);
    return this.report();
  }

  /** Whether to stop where the search is: the time limit (first pass only, see walkRecords) or a request. */
  private stopNow(timed: boolean): boolean {
    return (timed && performance.now() > this.stopAtMs) || this.options.shouldStop?.() === true;
  }

  /** A world state's steps as the walk takes them: at the root, only the shard's. */
  private stepsOf(record: WorldRecord): readonly Edge[] {
    const edges = record.edges ?? [];
    const shard = this.options.shard;
    return record.depth === 0 && shard !== undefined ? edges.filter((_, position) => position % shard.count === shard.index) : edges;
  }

  /**
   * The first pass: every world state, breadth first, without fault records; each is simulated
   * once, at its shortest depth, and keeps its steps as edges (expand).
   */
  private walkWorlds(root: WorldRecord): void {
    root.depth = 0;
    let frontier = [root];
    for (let depth = 0; frontier.length > 0 && this.stoppedAtDepth === null; depth += 1) {
      this.counts.maxDepth = depth;
      const next: WorldRecord[] = [];
      for (let at = 0; at < frontier.length; at += 1) {
        if (at % 64 === 0 && this.stopNow(true)) {
          this.stoppedAtDepth = depth;
          break;
        }
        const record = frontier[at] as WorldRecord;
        this.expand(record, depth);
        for (const edge of this.stepsOf(record)) {
          if (edge.child.depth >= 0) continue;
          edge.child.depth = depth + 1;
          next.push(edge.child);
        }
        // A world state's expansion adds several at once: report at each multiple passed.
        if (this.worlds.size >= this.nextProgress) {
          this.nextProgress += progressEvery;
          this.progress(this.worlds.size);
        }
      }
      frontier = next;
    }
  }

  /** The region's seeds (exhaustive-region.ts): violating end states, and the states a stopped first pass never simulated. */
  private isSeed(record: WorldRecord): boolean {
    return record.depth >= 0 && (record.snapshot !== null || (record.quiescent && record.violating));
  }

  /** Counts the world states outside the region as one state each (their records are read by nothing). */
  private countOutside(region: Uint8Array | null): void {
    if (region === null) return;
    for (const record of this.worlds.byId) {
      if (record.depth < 0 || region[record.id] === 1) continue;
      this.outsideStates += 1;
      this.statesByDepth[record.depth] = (this.statesByDepth[record.depth] ?? 0) + 1;
      if (this.tally(record, record.depth)) this.counts.transitions += this.stepsOf(record).length;
    }
  }

  /**
   * The second pass: states as world states with their fault-record lists, breadth first, inside
   * the region (every state if null). It simulates nothing but the paths of violating end states,
   * so the time limit does not cut it. A request to stop (Ctrl-C) cuts it only if the first pass
   * was complete: a first pass that was cut leaves the states it did not simulate in the region,
   * and this pass then judges in full what that pass reached, for the classes found so far.
   */
  private walkRecords(root: WorldRecord, region: Uint8Array | null): void {
    const stoppable = this.stoppedAtDepth === null;
    firstVisit(root, 0);
    this.statesByDepth[0] = (this.statesByDepth[0] ?? 0) + 1;
    let frontier: number[] = [this.states.addRoot(root.id, 0)];
    for (let depth = 0; frontier.length > 0; depth += 1) {
      this.counts.maxDepth = Math.max(this.counts.maxDepth, depth);
      const next: number[] = [];
      for (let at = 0; at < frontier.length; at += 1) {
        if (at % 64 === 0 && stoppable && this.stopNow(false)) {
          this.stoppedAtDepth ??= depth;
          return;
        }
        this.visit(frontier[at] as number, depth, region, next);
      }
      frontier = next;
    }
  }

  /** Counts a state as the report does; whether its steps are to be taken. */
  private tally(record: WorldRecord, depth: number): boolean {
    const { counts } = this;
    counts.expansions += 1;
    // Never simulated: the first pass stopped before it.
    if (record.snapshot !== null) return false;
    if (record.quiescent) {
      counts.terminals += 1;
      if (record.violating) counts.violatingTerminals += 1;
    }
    if (record.usable === 0) {
      if (!record.quiescent) counts.resendBounded += 1;
      return false;
    }
    if (depth >= this.bounds.depthMax) {
      counts.depthBounded += 1;
      return false;
    }
    return true;
  }

  /** Judges a state if it is a violating end, and adds the states its steps reach first (inside the region) to `next`. */
  private visit(state: number, depth: number, region: Uint8Array | null, next: number[]): void {
    const { counts, states } = this;
    const record = this.worlds.byId[states.world(state)] as WorldRecord;
    const recordList = states.recordList(state);
    const follow = this.tally(record, depth);
    if (record.snapshot === null && record.quiescent && record.violating) this.judgeTerminal(state, record);
    if (!follow) return;
    const chosen = record.optionCount > 1;
    for (const edge of this.stepsOf(record)) {
      counts.transitions += 1;
      if (region !== null && region[edge.child.id] === 0) continue;
      const records = edge.fault < 0 ? recordList : this.worlds.withRecord(recordList, edge.fault);
      if (!firstVisit(edge.child, records)) continue;
      this.statesByDepth[depth + 1] = (this.statesByDepth[depth + 1] ?? 0) + 1;
      next.push(states.add(state, edge.index, chosen, edge.child.id, records));
      if (states.size % progressEvery === 0) this.progress(this.outsideStates + states.size);
    }
  }

  private progress(states: number): void {
    this.options.onProgress?.({ states, transitions: this.counts.transitions, classes: this.classes.size, elapsedMs: performance.now() - this.startedMs });
  }

  /** Simulates a world state's options once: its verdict if quiescent, and its steps as edges (unless at the depth bound). */
  private expand(record: WorldRecord, depth: number): void {
    const { world, budgets } = this;
    const snapshot = record.snapshot as WorldSnapshot;
    record.snapshot = null;
    world.restore(snapshot);
    const stepOptions = world.options();
    record.quiescent = world.quiescent;
    record.optionCount = stepOptions.length;
    record.violating = world.quiescent && judge(world.view().history, this.config).length > 0;
    const indices: number[] = [];
    stepOptions.forEach((option, index) => {
      if (budgets.allows(option, record.budget)) indices.push(index);
    });
    record.usable = indices.length;
    if (indices.length === 0 || depth >= this.bounds.depthMax) return;
    // Steps a candidate of the reduction took before it failed its check: the same steps from the same state, not taken twice.
    const taken = new Map<number, PendingEdge>();
    const reduced = this.reduce ? this.reducedEdges(snapshot, stepOptions, record.budget, taken) : null;
    if (reduced !== null) this.counts.reducedStates += 1;
    record.edges = reduced ?? indices.map((index) => this.worlds.edgeOf(taken.get(index) ?? this.stepFrom(snapshot, stepOptions[index] as StepOption, index, record.budget)));
  }

  /** The edge of one option from the world state `snapshot` (the world is anywhere when called), its child not yet a record. */
  private stepFrom(snapshot: WorldSnapshot, option: StepOption, index: number, budget: Budget): PendingEdge {
    const { world, worlds, budgets } = this;
    const after = budgets.after(option, budget);
    world.restore(snapshot);
    // Where no broker fault can strike any more, nothing reads the databases the broker could
    // have autosaved, so the world need not note them (its costliest bookkeeping): the state's
    // key leaves them out then (canonical.ts 4); budgets only shrink along a path, so no later
    // state offers a broker fault the budget allows; broker faults come last among the options
    // (ExhaustiveWorld.applicableFaults), so the positions of the options taken do not move; and
    // one plain kill is listed whenever a variant would be, so "more than one option" holds alike.
    // canonical-key.test.ts searches with and without this and finds the same.
    world.notesSaves = this.options.notesUnusedSaves === true || budgets.searchState(after).brokerFaultsPossible;
    world.take(option);
    const fault = option.kind === 'fault' ? worlds.faultTextId(world.view().faults.at(-1) as FaultRecord) : -1;
    return { index, child: worlds.childOf(world, after), fault };
  }

  /** The edges of a client's steps, if each passes `check` (taken from the snapshot); else null. Each step taken is kept in `taken`. */
  private clientEdges(snapshot: WorldSnapshot, stepOptions: readonly StepOption[], steps: readonly number[], budget: Budget, check: () => boolean, taken: Map<number, PendingEdge>): Edge[] | null {
    const edges: PendingEdge[] = [];
    for (const index of steps) {
      // Taken afresh even if an earlier candidate took it: `check` reads the world after the step.
      const step = this.stepFrom(snapshot, stepOptions[index] as StepOption, index, budget);
      taken.set(index, step);
      if (!check()) return null;
      edges.push(step);
    }
    return edges.map((step) => this.worlds.edgeOf(step));
  }

  /**
   * The steps of a client that stands alone, is quiet or is sheltered, if one is (exhaustive-reduction.ts
   * argues why they are enough): the producer first, then the consumer. Null: take every usable option.
   */
  private reducedEdges(snapshot: WorldSnapshot, stepOptions: readonly StepOption[], budget: Budget, taken: Map<number, PendingEdge>): Edge[] | null {
    const { world, budgets } = this;
    world.restore(snapshot);
    const view = world.view();
    const brokerMayFault = budgets.mayCrash('broker', budget);
    const quiet = quietWorld(view, budgets.searchState(budget).faultsPossible);
    // The candidates first, from the state as it is (cheap); only they are taken and checked.
    const candidates: { readonly client: Slot; readonly steps: readonly number[]; readonly set: ReductionSet }[] = [];
    for (const client of [view.nodes[1], view.nodes[2]] as Slot[]) {
      const name = client.name as 'producer' | 'consumer';
      const left = { crash: budgets.mayCrash(name, budget), link: budgets.mayDrop(name, budget), broker: brokerMayFault };
      const alone = aloneCandidate(view, stepOptions, client, left);
      if (alone !== null) candidates.push({ client, steps: alone, set: 'alone' });
      // Where the world is quiet, the quiet set asks less of the client's steps than the sheltered one.
      const steps = quiet ? quietCandidate(view, stepOptions, client) : shelteredCandidate(view, stepOptions, client, left);
      if (steps !== null) candidates.push({ client, steps, set: quiet ? 'quiet' : 'sheltered' });
    }
    for (const { client, steps, set } of candidates) {
      world.restore(snapshot);
      const outside = outsideOf(world.view(), client);
      const check =
        set === 'alone'
          ? () => {
              const { inside, opened } = stayedInside(outside, world.view());
              return inside && !(opened && brokerMayFault);
            }
          : set === 'quiet'
            ? () => stayedQuiet(outside, world.view())
            : () => stayedSheltered(outside, world.view());
      const edges = this.clientEdges(snapshot, stepOptions, steps, budget, check, taken);
      if (edges !== null) {
        this.reducedBySet[set] += 1;
        return edges;
      }
    }
    return null;
  }

  /** A violating end state's classes, from its own path; a trace ends with 'end' if the run had to choose to end (a fault could still have struck). */
  private judgeTerminal(state: number, record: WorldRecord): void {
    const { config, scenario } = this;
    const { order, choices } = this.states.path(state);
    const walked = walk(config, scenario, order);
    // The path follows steps kept by position from another path to the same world states: it
    // must end where the search thinks it does (Canonicalizer and canonicalOrder make it so).
    assert(this.worlds.find(walked.view, record.budget) === record, () => `a path does not reach the state it was found for: ${walked.shown.join(' | ')}`);
    const { history, faults } = walked.view;
    const violations = judge(history, config);
    assert(violations.length > 0, () => `a state judged violating has a path that is not: ${walked.shown.join(' | ')}`);
    const picker = exhaustiveButFor(config, scenario, () => walked);
    const ends = record.optionCount > 1;
    for (const signature of signaturesOf(violations, history, faults, picker)) {
      const known = this.classes.get(signature.text);
      if (known !== undefined) {
        known.terminals += 1;
        // Levels come in order of depth and, within one, of choices: the first find is the shortest.
        continue;
      }
      const entry: ExhaustiveClass = {
        id: slugOf(signature.text),
        signature,
        steps: order.length,
        choices: ends ? [...choices, 0] : choices,
        order,
        path: walked.shown,
        terminals: 1,
        violations,
      };
      this.classes.set(signature.text, { entry, terminals: 1 });
    }
  }

  private report(): ExhaustiveReport {
    const found = [...this.classes.values()].map(({ entry, terminals: count }) => ({ ...entry, terminals: count }));
    found.sort(compareClasses);
    return {
      bounds: this.bounds,
      states: this.outsideStates + this.states.size,
      recordStates: this.states.size,
      worldStates: this.worlds.size,
      reducedBySet: { ...this.reducedBySet },
      ...this.counts,
      statesByDepth: Array.from(this.statesByDepth, (count) => count ?? 0),
      elapsedMs: performance.now() - this.startedMs,
      stopped: this.stoppedAtDepth !== null,
      stoppedAtDepth: this.stoppedAtDepth,
      classes: found,
    };
  }
}
