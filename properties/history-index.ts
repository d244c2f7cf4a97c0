// One pass over a history that files every message-related event by message and consumer, so
// each property reads "what did consumer c see of message m" without rescanning.
// It also checks what every property relies on; a history that breaks it is a harness bug, and
// judging it anyway would risk a silent pass, so it throws with the offending event.
import { assert, unreachable } from '../models/assert.ts';
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

export interface HistoryIndex {
  readonly history: History;
  /** Every invoked message, ascending by message id. */
  readonly messages: readonly MessageRecord[];
  /** The consumers of the context, ascending by name. */
  readonly consumers: readonly PropertyContextConsumer[];
  /** Indices of `kind` events of `message` at `consumer`, ascending. message-dropped matches the event's `client`. */
  at(kind: ConsumerEventKind, consumer: string, message: MessageId): readonly number[];
  /** Indices of the consumer's 'subscribed' events, ascending. */
  subscribed(consumer: string): readonly number[];
  event(index: number): HistoryEvent;
}

type PropertyContextConsumer = PropertyContext['consumers'][number];

const none: readonly number[] = [];

function key(kind: ConsumerEventKind, consumer: string, message: MessageId): string {
  return `${kind}\u0000${consumer}\u0000${message}`;
}

function describe(history: History, index: number): string {
  return `history event ${index} ${JSON.stringify(history[index])}`;
}

export function indexHistory(history: History, context: PropertyContext): HistoryIndex {
  const producers = new Set(context.producers);
  const consumerNames = new Set(context.consumers.map((c) => c.name));
  assert(consumerNames.size === context.consumers.length, () => `property context names a consumer twice: ${JSON.stringify(context.consumers)}`);

  // Pass 1: invocations, so that later passes can tie every event to its message.
  type Invocation = { producer: string; qos: QoS; invokedIndex: number; invokedAtMs: number; ackedIndex: number | undefined };
  const invocations = new Map<MessageId, Invocation>();
  history.forEach((event, i) => {
    if (event.kind !== 'publish-invoked') return;
    assert(producers.has(event.node), () => `${describe(history, i)}: producer ${JSON.stringify(event.node)} is not in the property context ${JSON.stringify(context.producers)}`);
    const earlier = invocations.get(event.message);
    // One id space across producers: a message is invoked once (the harness numbers them).
    assert(earlier === undefined, () => `${describe(history, i)}: message ${event.message} was already invoked at history event ${earlier?.invokedIndex}`);
    invocations.set(event.message, { producer: event.node, qos: event.qos, invokedIndex: i, invokedAtMs: event.atMs, ackedIndex: undefined });
  });

  const filed = new Map<string, number[]>();
  const subscribed = new Map<string, number[]>();
  const file = (k: string, into: Map<string, number[]>, i: number): void => {
    const list = into.get(k);
    if (list === undefined) into.set(k, [i]);
    else list.push(i);
  };
  const invocationOf = (message: MessageId, i: number): Invocation => {
    const invocation = invocations.get(message);
    assert(invocation !== undefined, () => `${describe(history, i)}: message ${message} was never invoked`);
    return invocation;
  };
  const assertConsumer = (node: string, i: number): void => {
    assert(consumerNames.has(node), () => `${describe(history, i)}: consumer ${JSON.stringify(node)} is not in the property context ${JSON.stringify([...consumerNames])}`);
  };

  // Pass 2: everything else.
  history.forEach((event, i) => {
    switch (event.kind) {
      case 'publish-invoked':
      case 'fault':
      case 'restarted':
        return;
      case 'publish-sent':
      case 'publish-acked': {
        const invocation = invocationOf(event.message, i);
        assert(invocation.producer === event.node, () => `${describe(history, i)}: message ${event.message} was invoked by ${JSON.stringify(invocation.producer)}`);
        if (event.kind === 'publish-acked' && invocation.ackedIndex === undefined) invocation.ackedIndex = i;
        return;
      }
      case 'subscribed':
        assertConsumer(event.node, i);
        file(event.node, subscribed, i);
        return;
      case 'delivered':
      case 'handling-started':
      case 'handled':
        assertConsumer(event.node, i);
        invocationOf(event.message, i);
        file(key(event.kind, event.node, event.message), filed, i);
        return;
      case 'message-dropped':
        // The broker names the client, not a node; a drop for a client outside the context
        // is no consumer's concern here, so it is filed but never asserted on.
        invocationOf(event.message, i);
        file(key(event.kind, event.client, event.message), filed, i);
        return;
      default:
        return unreachable(event);
    }
  });

  const messages: MessageRecord[] = [...invocations.entries()]
    .map(([message, inv]) => ({ message, ...inv }))
    .sort((a, b) => a.message - b.message);
  const consumers = [...context.consumers].sort((a, b) => compareStrings(a.name, b.name));

  return {
    history,
    messages,
    consumers,
    at: (kind, consumer, message) => filed.get(key(kind, consumer, message)) ?? none,
    subscribed: (consumer) => subscribed.get(consumer) ?? none,
    event: (index) => {
      const event = history[index];
      assert(event !== undefined, () => `history has no event ${index} (length ${history.length})`);
      return event;
    },
  };
}

/** Code-unit order: deterministic and independent of the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Evidence is a set of indices, reported ascending. */
export function evidence(...groups: readonly (number | undefined | readonly number[])[]): number[] {
  const all = new Set<number>();
  for (const group of groups) {
    if (group === undefined) continue;
    if (typeof group === 'number') all.add(group);
    else for (const i of group) all.add(i);
  }
  return [...all].sort((a, b) => a - b);
}
