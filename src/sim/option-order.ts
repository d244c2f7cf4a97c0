// The order in which an exhaustive world lists the events that may happen next. The search keeps
// a state's steps by their position among its options and follows them on every other path to
// an equal state (check/exhaustive.ts), so the order must be one that every such path agrees
// on: no times, no sequence numbers, no connection numbers beyond their order within a client.
import { unreachable } from '../../models/assert.ts';
import type { Payload, WorldEvent } from './world.ts';

/** The order a timed world would take events in: earliest first. */
export function byTimeThenSeq(a: WorldEvent, b: WorldEvent): number {
  return a.atMs - b.atMs || a.seq - b.seq;
}

/**
 * What an event is, in terms that every path to an equal state (check/canonical.ts) agrees on:
 * its kind and the nodes it concerns, without times, sequence or connection numbers.
 */
function orderKey(payload: Payload): string {
  switch (payload.kind) {
    case 'arrive':
      return `a ${payload.conn.client.name}>${payload.to.name}`;
    case 'link-up':
      return `l ${payload.conn.client.name}`;
    case 'hangup':
      return `h ${payload.conn.client.name}>${payload.node.name}${payload.ordered ? ' ordered' : ''}`;
    case 'timer':
      return `t ${payload.node.name} ${payload.timer}`;
    case 'publish':
      return `p ${payload.message}`;
    case 'restart':
      return `r ${payload.node.name}`;
    case 'fault':
      return `f ${payload.index}`;
    case 'stop':
      return 's';
    case 'offline':
    case 'online':
      return payload.kind;
    default:
      return unreachable(payload);
  }
}

function connIdOf(payload: Payload): number {
  return payload.kind === 'arrive' || payload.kind === 'link-up' || payload.kind === 'hangup' ? payload.conn.id : 0;
}

const orderKeys = new WeakMap<WorldEvent, string>();

function orderKeyOf(event: WorldEvent): string {
  let key = orderKeys.get(event);
  if (key === undefined) {
    key = orderKey(event.payload);
    orderKeys.set(event, key);
  }
  return key;
}

/**
 * The options' order: the same for every path to an equal state, so that a step of one path is
 * found at the same position by every other (the search keeps a state's steps by position).
 * Connections of one client keep their order on every such path (canonical.ts renames them by
 * rank), so their ids break ties; the sequence number is a last resort no state should need.
 */
export function canonicalOrder(a: WorldEvent, b: WorldEvent): number {
  const keyA = orderKeyOf(a);
  const keyB = orderKeyOf(b);
  if (keyA !== keyB) return keyA < keyB ? -1 : 1;
  return connIdOf(a.payload) - connIdOf(b.payload) || a.seq - b.seq;
}

/** Canonical JSON (keys sorted) without interned tokens: the same text in every process, to order databases by. */
export function stableText(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return entry;
    const record = entry as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
  });
}
