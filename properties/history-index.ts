// One pass over a history that files every message-related event by message and consumer, so
// each property reads "what did consumer c see of message m" without rescanning.
// It also checks what every property relies on; a history that breaks it is a harness bug, and
// judging it anyway would risk a silent pass, so it throws with the offending event.
//
// Speed: every simulated run is judged (DESIGN §6 wants tens of thousands of runs a second), so
// the index files events in flat arrays addressed by small integers (kind, consumer slot, message
// slot) instead of string-keyed maps, and allocates nothing per event in the common case. The
// properties read those slots on their hot path and build summaries and evidence only for a
// violation they have found.
import { ModelInvariantError, unreachable } from '../models/assert.ts';
import type { MessageId } from '../models/ghost.ts';
import type { History, HistoryEvent } from '../models/history.ts';
import type { QoS } from '../models/packets.ts';
import type { PropertyContext } from './types.ts';

export interface MessageRecord {
  readonly message: MessageId;
  /** The producer that invoked it. */
  readonly producer: string;
  readonly qos: QoS;
  readonly invokedIndex: number;
  readonly invokedAtMs: number;
  /** The first publish-acked event, if the acknowledgement ever reached the producer. */
  readonly ackedIndex: number | undefined;
}

/** Per-consumer, per-message event kinds the index files. */
export type ConsumerEventKind = 'delivered' | 'handling-started' | 'handled' | 'message-dropped';

/** A ConsumerEventKind as the small integer the slot accessors take. */
export type KindSlot = 0 | 1 | 2 | 3;
export const DELIVERED: KindSlot = 0;
export const HANDLING_STARTED: KindSlot = 1;
export const HANDLED: KindSlot = 2;
export const MESSAGE_DROPPED: KindSlot = 3;
const kindCount = 4;

export interface HistoryIndex {
  readonly history: History;
  /** Every invoked message, ascending by message id. Its position is the message's slot. */
  readonly messages: readonly MessageRecord[];
  /** The consumers of the context, ascending by name. Its position is the consumer's slot. */
  readonly consumers: readonly PropertyContextConsumer[];
  /** Indices of `kind` events of `message` at `consumer`, ascending. message-dropped matches the event's `client`. */
  at(kind: ConsumerEventKind, consumer: string, message: MessageId): readonly number[];
  /** Indices of the consumer's 'subscribed' events, ascending. */
  subscribed(consumer: string): readonly number[];
  event(index: number): HistoryEvent;

  // Slot accessors: the hot path of the properties, no allocation and no string keys.
  /** Message slots in the order the messages were invoked (ascending invokedIndex). */
  readonly invocationOrder: readonly number[];
  /** How many `kind` events of message slot `m` consumer slot `c` has. */
  count(kind: KindSlot, c: number, m: number): number;
  /** The first of them, or -1. */
  first(kind: KindSlot, c: number, m: number): number;
  /** The first 'subscribed' event of consumer slot `c` that obliges it to handle message slot `m` (see expectations.ts), or -1. */
  expectedSince(c: number, m: number): number;
  /** The same for a message invoked at `invokedAtMs`. */
  owedSince(c: number, invokedAtMs: number): number;
  /** Whether some consumer has more than one `kind` event of one message. */
  repeats(kind: KindSlot): boolean;
  /** The slot of the message's producer among the distinct producers of the context. */
  producerSlot(m: number): number;
  readonly producerCount: number;
}

type PropertyContextConsumer = PropertyContext['consumers'][number];

const none: readonly number[] = [];

type MutableRecord = { -readonly [K in keyof MessageRecord]: MessageRecord[K] };

function describe(history: History, index: number): string {
  return `history event ${index} ${JSON.stringify(history[index])}`;
}

function notAConsumer(history: History, context: PropertyContext, node: string, i: number): never {
  const names: string[] = [];
  for (const consumer of context.consumers) names.push(consumer.name);
  return fail(`${describe(history, i)}: consumer ${JSON.stringify(node)} is not in the property context ${JSON.stringify(names)}`);
}

function fail(message: string): never {
  throw new ModelInvariantError(message);
}

function byMessage(a: MessageRecord, b: MessageRecord): number {
  return a.message - b.message;
}

function byName(a: PropertyContextConsumer, b: PropertyContextConsumer): number {
  return compareStrings(a.name, b.name);
}

/** Position of `name` in `names`, or -1. Contexts name a handful of nodes, so a scan beats hashing. */
function positionOf(names: readonly string[], name: string): number {
  for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
  return -1;
}

class Index implements HistoryIndex {
  readonly history: History;
  readonly messages: readonly MessageRecord[];
  readonly consumers: readonly PropertyContextConsumer[];
  readonly invocationOrder: readonly number[];
  readonly producerCount: number;
  private readonly consumerNames: readonly string[];
  private readonly messageCount: number;
  /** The message ids, ascending: messages[m].message is ids[m]. */
  private readonly ids: readonly number[];
  /** Slots by id, only for ids that do not sort (NaN), where a search cannot find them. */
  private readonly slotById: Map<MessageId, number> | undefined;
  /** Per cell ((c * kindCount + kind) * messageCount + m): the number of filed events. */
  private readonly counts: number[];
  /** Per cell: the first filed event, or -1. */
  private readonly firsts: number[];
  /** Per cell with more than one event: all of them. Made when first needed. */
  private lists: Map<number, number[]> | undefined;
  /** Bit `kind` is set when some cell of that kind has more than one event. */
  private repeatedKinds: number;
  /** Drops for clients outside the context, by `${client}\u0000${message}`: no property reads them. */
  private outsiders: Map<string, number[]> | undefined;
  private readonly subscribedLists: number[][];
  private readonly producerSlots: number[];

  constructor(history: History, context: PropertyContext) {
    this.history = history;
    const contextConsumers = context.consumers;
    const consumers = contextConsumers.length < 2 ? contextConsumers.slice() : contextConsumers.slice().sort(byName);
    const consumerNames: string[] = [];
    for (let c = 0; c < consumers.length; c++) {
      const name = consumers[c]!.name;
      if (c > 0 && consumerNames[c - 1] === name) {
        fail(`property context names a consumer twice: ${JSON.stringify(contextConsumers)}`);
      }
      consumerNames.push(name);
    }
    // Distinct producers, in context order.
    const producers: string[] = [];
    for (const producer of context.producers) if (positionOf(producers, producer) < 0) producers.push(producer);

    // Pass 1: invocations, so that pass 2 can tie every event to its message.
    const inInvocationOrder: MutableRecord[] = [];
    // The harness numbers messages as it invokes them, so ids usually ascend strictly and no two
    // can be equal; only when they stop ascending does finding a repeated id need a map.
    let invokedAt: Map<MessageId, MutableRecord> | undefined;
    for (let i = 0; i < history.length; i++) {
      const event = history[i]!;
      if (event.kind !== 'publish-invoked') continue;
      if (positionOf(producers, event.node) < 0) {
        fail(`${describe(history, i)}: producer ${JSON.stringify(event.node)} is not in the property context ${JSON.stringify(context.producers)}`);
      }
      const id = event.message;
      if (invokedAt === undefined) {
        const previous = inInvocationOrder[inInvocationOrder.length - 1];
        if (previous !== undefined && !(previous.message < id)) {
          invokedAt = new Map();
          for (const record of inInvocationOrder) invokedAt.set(record.message, record);
        }
      }
      if (invokedAt !== undefined) {
        const earlier = invokedAt.get(id);
        // One id space across producers: a message is invoked once (the harness numbers them).
        if (earlier !== undefined) fail(`${describe(history, i)}: message ${id} was already invoked at history event ${earlier.invokedIndex}`);
      }
      const record: MutableRecord = { message: id, producer: event.node, qos: event.qos, invokedIndex: i, invokedAtMs: event.atMs, ackedIndex: undefined };
      inInvocationOrder.push(record);
      if (invokedAt !== undefined) invokedAt.set(id, record);
    }
    const ascending = invokedAt === undefined;
    const messages = ascending ? inInvocationOrder : inInvocationOrder.slice().sort(byMessage);
    const messageCount = messages.length;
    const ids: number[] = [];
    const producerSlots: number[] = [];
    for (let m = 0; m < messageCount; m++) {
      const record = messages[m]!;
      ids.push(record.message);
      producerSlots.push(positionOf(producers, record.producer));
    }
    this.ids = ids;
    let sorted = true;
    for (let m = 0; m < messageCount; m++) if (!(m === 0 ? ids[m] === ids[m] : ids[m - 1]! < ids[m]!)) sorted = false;
    let slotById: Map<MessageId, number> | undefined;
    if (!sorted) {
      slotById = new Map();
      for (let m = 0; m < messageCount; m++) slotById.set(ids[m]!, m);
    }
    this.slotById = slotById;
    const invocationOrder: number[] = [];
    for (let k = 0; k < messageCount; k++) invocationOrder.push(ascending ? k : this.slotOfMessage(inInvocationOrder[k]!.message));

    const cells = consumers.length * kindCount * messageCount;
    const counts: number[] = new Array<number>(cells).fill(0);
    const firsts: number[] = new Array<number>(cells).fill(-1);
    const subscribedLists: number[][] = [];
    for (let c = 0; c < consumers.length; c++) subscribedLists.push([]);
    this.lists = undefined;
    this.repeatedKinds = 0;
    this.outsiders = undefined;

    // Pass 2: everything else.
    for (let i = 0; i < history.length; i++) {
      const event = history[i]!;
      let kind: KindSlot;
      let client: string;
      switch (event.kind) {
        case 'publish-invoked':
        case 'fault':
        case 'restarted':
          continue;
        case 'publish-sent':
        case 'publish-acked': {
          const m = this.slotOfMessage(event.message);
          if (m < 0) fail(`${describe(history, i)}: message ${event.message} was never invoked`);
          const record = messages[m] as MutableRecord;
          if (record.producer !== event.node) fail(`${describe(history, i)}: message ${event.message} was invoked by ${JSON.stringify(record.producer)}`);
          if (event.kind === 'publish-acked' && record.ackedIndex === undefined) record.ackedIndex = i;
          continue;
        }
        case 'subscribed': {
          const c = positionOf(consumerNames, event.node);
          if (c < 0) notAConsumer(history, context, event.node, i);
          subscribedLists[c]!.push(i);
          continue;
        }
        case 'delivered':
          kind = DELIVERED;
          client = event.node;
          break;
        case 'handling-started':
          kind = HANDLING_STARTED;
          client = event.node;
          break;
        case 'handled':
          kind = HANDLED;
          client = event.node;
          break;
        case 'message-dropped':
          // The broker names the client, not a node; a drop for a client outside the context
          // is no consumer's concern here, so it is filed but never asserted on.
          kind = MESSAGE_DROPPED;
          client = event.client;
          break;
        default:
          unreachable(event);
      }
      const c = positionOf(consumerNames, client);
      if (c < 0 && kind !== MESSAGE_DROPPED) notAConsumer(history, context, client, i);
      const m = this.slotOfMessage(event.message);
      if (m < 0) fail(`${describe(history, i)}: message ${event.message} was never invoked`);
      if (c < 0) {
        this.fileOutsider(client, event.message, i);
        continue;
      }
      const cell = (c * kindCount + kind) * messageCount + m;
      const count = counts[cell]!;
      counts[cell] = count + 1;
      if (count === 0) firsts[cell] = i;
      else this.fileRepeat(kind, cell, firsts[cell]!, i);
    }

    this.messages = messages;
    this.consumers = consumers;
    this.invocationOrder = invocationOrder;
    this.producerCount = producers.length;
    this.consumerNames = consumerNames;
    this.messageCount = messageCount;
    this.counts = counts;
    this.firsts = firsts;
    this.subscribedLists = subscribedLists;
    this.producerSlots = producerSlots;
  }

  /** A second or later event in a cell: the rare case, kept off the main loop. */
  private fileRepeat(kind: KindSlot, cell: number, first: number, i: number): void {
    this.repeatedKinds |= 1 << kind;
    this.lists ??= new Map();
    const list = this.lists.get(cell);
    if (list === undefined) this.lists.set(cell, [first, i]);
    else list.push(i);
  }

  private fileOutsider(client: string, message: MessageId, i: number): void {
    this.outsiders ??= new Map();
    const key = `${client}\u0000${message}`;
    const list = this.outsiders.get(key);
    if (list === undefined) this.outsiders.set(key, [i]);
    else list.push(i);
  }

  /** The slot of a message id, or -1: ids are usually consecutive, else a binary search. */
  private slotOfMessage(message: MessageId): number {
    if (this.slotById !== undefined) return this.slotById.get(message) ?? -1;
    const ids = this.ids;
    const guess = message - (ids.length > 0 ? ids[0]! : 0);
    if (guess >= 0 && guess < ids.length && (guess | 0) === guess && ids[guess] === message) return guess;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const id = ids[mid]!;
      if (id === message) return mid;
      if (id < message) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private notAConsumer(history: History, context: PropertyContext, node: string, i: number): never {
    const names: string[] = [];
    for (const consumer of context.consumers) names.push(consumer.name);
    return fail(`${describe(history, i)}: consumer ${JSON.stringify(node)} is not in the property context ${JSON.stringify(names)}`);
  }

  count(kind: KindSlot, c: number, m: number): number {
    return this.counts[(c * kindCount + kind) * this.messageCount + m]!;
  }

  first(kind: KindSlot, c: number, m: number): number {
    return this.firsts[(c * kindCount + kind) * this.messageCount + m]!;
  }

  repeats(kind: KindSlot): boolean {
    return (this.repeatedKinds & (1 << kind)) !== 0;
  }

  producerSlot(m: number): number {
    return this.producerSlots[m]!;
  }

  expectedSince(c: number, m: number): number {
    return this.owedSince(c, this.messages[m]!.invokedAtMs);
  }

  owedSince(c: number, invokedAtMs: number): number {
    // A persistent consumer must handle a message when its first 'subscribed' event (SUBACK
    // reached it) is at or before the time the message was invoked; see expectations.ts for why.
    if (!this.consumers[c]!.persistent) return -1;
    const first = this.subscribedLists[c]![0];
    if (first === undefined) return -1;
    // "At or before": a SUBACK recorded in the same millisecond as the publish call still
    // precedes the PUBLISH reaching the broker, which takes at least one network hop.
    return this.event(first).atMs > invokedAtMs ? -1 : first;
  }

  /** Every filed event of a cell, ascending; a fresh array the caller may keep. */
  private cellList(kind: KindSlot, c: number, m: number): readonly number[] {
    const cell = (c * kindCount + kind) * this.messageCount + m;
    const count = this.counts[cell]!;
    if (count === 0) return none;
    if (count === 1) return [this.firsts[cell]!];
    return this.lists!.get(cell)!;
  }

  at(kind: ConsumerEventKind, consumer: string, message: MessageId): readonly number[] {
    const k = kind === 'delivered' ? DELIVERED : kind === 'handling-started' ? HANDLING_STARTED : kind === 'handled' ? HANDLED : MESSAGE_DROPPED;
    const c = positionOf(this.consumerNames, consumer);
    if (c < 0) return k === MESSAGE_DROPPED ? (this.outsiders?.get(`${consumer}\u0000${message}`) ?? none) : none;
    const m = this.slotOfMessage(message);
    return m < 0 ? none : this.cellList(k, c, m);
  }

  subscribed(consumer: string): readonly number[] {
    const c = positionOf(this.consumerNames, consumer);
    return c < 0 ? none : this.subscribedLists[c]!;
  }

  event(index: number): HistoryEvent {
    const event = this.history[index];
    if (event === undefined) fail(`history has no event ${index} (length ${this.history.length})`);
    return event;
  }
}

export function indexHistory(history: History, context: PropertyContext): HistoryIndex {
  return new Index(history, context);
}

/** Code-unit order: deterministic and independent of the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ascendingNumbers(a: number, b: number): number {
  return a - b;
}

/** Evidence is a set of indices, reported ascending. */
export function evidence(...groups: readonly (number | undefined | readonly number[])[]): number[] {
  const all: number[] = [];
  for (const group of groups) {
    if (group === undefined) continue;
    if (typeof group === 'number') all.push(group);
    else for (const i of group) all.push(i);
  }
  if (all.length > 16) {
    all.sort(ascendingNumbers);
  } else {
    // A violation points at a handful of events: an insertion sort beats the general one.
    for (let i = 1; i < all.length; i++) {
      const value = all[i]!;
      let j = i;
      for (; j > 0 && all[j - 1]! > value; j--) all[j] = all[j - 1]!;
      all[j] = value;
    }
  }
  let kept = 0;
  for (let i = 0; i < all.length; i++) {
    const value = all[i]!;
    if (kept === 0 || all[kept - 1] !== value) all[kept++] = value;
  }
  all.length = kept;
  return all;
}
