// The exhaustive search's two layers of state (see exhaustive.ts): world states, each simulated
// once and kept with its steps as edges, and fault-record lists, which no step reads and which
// the search carries beside the world states that the paths reach them with.
import { assert } from '../../models/assert.ts';
import type { ExhaustiveWorld, WorldSnapshot, WorldView } from '../sim/exhaustive-world.ts';
import type { FaultRecord } from '../sim/world.ts';
import type { Canonicalizer } from './canonical.ts';
import { StateKeys } from './canonical-key.ts';
import type { Budget, FaultBudget } from './exhaustive-budget.ts';
import { hashInts, KeyBuffer, StateTable, type StateKey } from './state-table.ts';

/**
 * A state of the world without its fault records (Canonicalizer.worldState): simulated once,
 * whichever fault records the paths that reach it carry. Its snapshot is kept until it is
 * expanded; then its steps are kept instead, as edges to the states they lead to.
 */
export interface WorldRecord {
  readonly id: number;
  /** The remaining fault budget (the state's own: part of its canonical text). */
  readonly budget: Budget;
  /** Until it is expanded (null after). */
  snapshot: WorldSnapshot | null;
  quiescent: boolean;
  /** Options the world offered, usable or not ('end' included): more than one means a replay is asked to choose. */
  optionCount: number;
  /** Quiescent with a violation (the canonical text decides the verdict). */
  violating: boolean;
  /** The steps taken from it, in option order; null if the state was at the depth bound. */
  edges: readonly Edge[] | null;
  /** How many options the budget allowed: none, and the state is an end (or cut by the resend bound). */
  usable: number;
  /** The fault-record lists seen with this world (the visited set, kept per world): -1 none yet, one id, or a set. */
  seen: number | Set<number>;
  /** The fewest steps that reach this world state (the first pass's level), or -1 until that pass reaches it. */
  depth: number;
}

export interface Edge {
  readonly index: number;
  readonly child: WorldRecord;
  /** The fault record the step adds (an id of its text), or -1 for an event. */
  readonly fault: number;
}

/** A step's child before it is made a record: one known already, or the key and snapshot of a new one. */
export type Child = { readonly known: WorldRecord } | { readonly key: StateKey; readonly budget: Budget; readonly snapshot: WorldSnapshot };

/**
 * How world states are told apart: by the int key of their canonical state (canonical-key.ts),
 * or by its text (canonical.ts, as UTF-16 code units): the same equivalence, kept so that a
 * test can check it is (canonical-key.test.ts).
 */
export type StateEncoding = 'key' | 'text';

/** An edge whose child is not a record yet: a step the search may still decide not to take (exhaustive-reduction.ts). */
export interface PendingEdge {
  readonly index: number;
  readonly child: Child;
  readonly fault: number;
}

/** World and fault-record-list ids are kept in Int32Arrays (path-arena.ts). */
const idsLimit = 2 ** 31 - 1;

/**
 * Marks a state (a world state and a fault-record list) visited; false if it was already. Two
 * paths with the same world state and the same records are one state, as a single canonical
 * text of both would make them.
 */
export function firstVisit(world: WorldRecord, records: number): boolean {
  const seen = world.seen;
  if (typeof seen === 'number') {
    if (seen === records) return false;
    world.seen = seen < 0 ? records : new Set([seen, records]);
    return true;
  }
  if (seen.has(records)) return false;
  seen.add(records);
  return true;
}

export class WorldStates {
  private readonly table = new StateTable();
  private readonly keys: StateKeys;
  private readonly buffer = new KeyBuffer();
  /** The hash of the key in `buffer`. */
  private hash = 0;
  readonly byId: WorldRecord[] = [];
  /** Fault-record lists: `${list id} ${fault text id}` to the id of the list with that record added. */
  private readonly recordLists = new Map<string, number>();
  private recordListCount = 1;
  private readonly faultTexts = new Map<string, number>();

  constructor(
    private readonly canonicalizer: Canonicalizer,
    private readonly budgets: FaultBudget,
    private readonly encoding: StateEncoding = 'key',
  ) {
    this.keys = new StateKeys(canonicalizer);
  }

  get size(): number {
    return this.table.size;
  }

  /** The key of a world state with the budget left, in `buffer`; returns its hash. */
  private key(view: WorldView, budget: Budget): number {
    const search = this.budgets.searchState(budget);
    const buffer = this.buffer;
    if (this.encoding === 'key') {
      this.keys.worldKey(view, search, buffer);
    } else {
      const text = this.canonicalizer.worldState(view, search);
      buffer.clear();
      for (let i = 0; i < text.length; i += 1) buffer.push(text.charCodeAt(i));
    }
    return hashInts(buffer.data, buffer.length);
  }

  /** The record of a world state, if the search has met it. */
  find(view: WorldView, budget: Budget): WorldRecord | undefined {
    return this.byId[this.lookup(view, budget)];
  }

  /** The id of a world state, or -1; its key stays in `buffer`, its hash in `hash`. */
  private lookup(view: WorldView, budget: Budget): number {
    this.hash = this.key(view, budget);
    return this.table.find(this.buffer.data, this.buffer.length, this.hash);
  }

  /** The world as it stands, with the budget left: found among the records, or a snapshot to make one of. */
  childOf(world: ExhaustiveWorld, budget: Budget): Child {
    const id = this.lookup(world.view(), budget);
    return id >= 0 ? { known: this.byId[id] as WorldRecord } : { key: this.buffer.copy(this.hash), budget, snapshot: world.snapshot() };
  }

  recordOf(child: Child): WorldRecord {
    if ('known' in child) return child.known;
    // Another step of the same expansion may have made it a record since.
    const id = this.table.find(child.key.data, child.key.data.length, child.key.hash);
    if (id >= 0) return this.byId[id] as WorldRecord;
    assert(this.table.size < idsLimit, 'too many world states for an Int32Array');
    const record: WorldRecord = { id: this.table.add(child.key), budget: child.budget, snapshot: child.snapshot, quiescent: false, optionCount: 0, violating: false, edges: null, usable: 0, seen: -1, depth: -1 };
    this.byId.push(record);
    return record;
  }

  edgeOf({ index, child, fault }: PendingEdge): Edge {
    return { index, child: this.recordOf(child), fault };
  }

  /** An id of a fault record's canonical text. */
  faultTextId(fault: FaultRecord): number {
    const text = this.canonicalizer.faultText(fault);
    let id = this.faultTexts.get(text);
    if (id === undefined) {
      id = this.faultTexts.size;
      this.faultTexts.set(text, id);
    }
    return id;
  }

  /** The id of the fault-record list `records` with the record `fault` added. */
  withRecord(records: number, fault: number): number {
    const key = `${records} ${fault}`;
    let id = this.recordLists.get(key);
    if (id === undefined) {
      assert(this.recordListCount < idsLimit, 'too many distinct fault-record lists for an Int32Array');
      id = this.recordListCount;
      this.recordListCount += 1;
      this.recordLists.set(key, id);
    }
    return id;
  }
}
