// Test helpers: short constructors for history events, and a readable name for an event so that
// tests can say which events a violation's evidence points at ("handled c m1"), not bare indices.
import { expect } from 'vitest';
import type { MessageId } from '../models/ghost.ts';
import type { FaultKind, History, HistoryEvent } from '../models/history.ts';
import type { QoS } from '../models/packets.ts';
import type { Property, PropertyContext, Violation } from './types.ts';

export const context: PropertyContext = { producers: ['p'], consumers: [{ name: 'c', persistent: true }] };

export function contextOf(producers: readonly string[], consumers: Record<string, 'persistent' | 'clean'>): PropertyContext {
  return {
    producers,
    consumers: Object.entries(consumers).map(([name, kind]) => ({ name, persistent: kind === 'persistent' })),
  };
}

export const invoked = (message: MessageId, atMs: number, node = 'p', qos: QoS = 2): HistoryEvent => ({ kind: 'publish-invoked', node, message, qos, atMs });
export const sent = (message: MessageId, atMs: number, node = 'p'): HistoryEvent => ({ kind: 'publish-sent', node, message, atMs });
export const acked = (message: MessageId, atMs: number, node = 'p'): HistoryEvent => ({ kind: 'publish-acked', node, message, atMs });
export const subscribed = (atMs: number, node = 'c', sessionPresent = false): HistoryEvent => ({ kind: 'subscribed', node, sessionPresent, atMs });
export const delivered = (message: MessageId, atMs: number, node = 'c', dup = false, qos: QoS = 2): HistoryEvent => ({ kind: 'delivered', node, message, dup, qos, atMs });
export const started = (message: MessageId, atMs: number, node = 'c'): HistoryEvent => ({ kind: 'handling-started', node, message, atMs });
export const handled = (message: MessageId, atMs: number, node = 'c'): HistoryEvent => ({ kind: 'handled', node, message, atMs });
export const dropped = (message: MessageId, atMs: number, client = 'c', reason: 'queue-full' | 'qos0-offline' = 'queue-full'): HistoryEvent => ({ kind: 'message-dropped', node: 'broker', client, message, reason, atMs });
export const fault = (kind: FaultKind, atMs: number, node = 'broker'): HistoryEvent => ({ kind: 'fault', fault: kind, node, atMs });
export const restarted = (atMs: number, node = 'broker'): HistoryEvent => ({ kind: 'restarted', node, atMs });

/** The library delivers, the application handles: delivered, handling-started, handled, one ms apart. */
export const consumed = (message: MessageId, atMs: number, node = 'c', dup = false): HistoryEvent[] => [
  delivered(message, atMs, node, dup),
  started(message, atMs + 1, node),
  handled(message, atMs + 2, node),
];

/** A producer's publish that was acknowledged: invoked, sent, acked. */
export const published = (message: MessageId, atMs: number, node = 'p'): HistoryEvent[] => [
  invoked(message, atMs, node),
  sent(message, atMs + 1, node),
  acked(message, atMs + 4, node),
];

export function history(...parts: readonly (HistoryEvent | readonly HistoryEvent[])[]): History {
  const events = parts.flat();
  // Histories are recorded in time order; a test history that is not is a typo.
  events.forEach((e, i) => {
    const before = events[i - 1];
    if (before !== undefined && before.atMs > e.atMs) throw new Error(`test history out of time order at ${i}: ${JSON.stringify(e)}`);
  });
  return events;
}

export function nameOf(event: HistoryEvent): string {
  switch (event.kind) {
    case 'subscribed':
    case 'restarted':
      return `${event.kind} ${event.node}`;
    case 'fault':
      return `fault ${event.fault} ${event.node}`;
    case 'message-dropped':
      return `message-dropped ${event.client} m${event.message}`;
    default:
      return `${event.kind} ${event.node} m${event.message}`;
  }
}

/** The evidence of a violation, as event names. */
export function evidenceOf(h: History, violation: Violation): string[] {
  return violation.evidence.map((i) => {
    const event = h[i];
    if (event === undefined) throw new Error(`evidence index ${i} is outside the history (length ${h.length})`);
    return nameOf(event);
  });
}

export interface Expected {
  readonly message: MessageId;
  readonly consumer: string;
  readonly producer?: string;
  readonly summary?: string | RegExp;
  /** Event names, in history order. */
  readonly evidence?: readonly string[];
}

export interface Case {
  readonly name: string;
  readonly history: History;
  readonly context?: PropertyContext;
  readonly violations: readonly Expected[];
}

/** Runs one table case: exactly the expected violations, in order, with the right fields. */
export function runCase(property: Property, c: Case): void {
  const ctx = c.context ?? context;
  const actual = property.check(c.history, ctx);
  expect(actual.map((v) => ({ message: v.message, consumer: v.consumer }))).toEqual(
    c.violations.map((v) => ({ message: v.message, consumer: v.consumer })),
  );
  actual.forEach((v, i) => {
    const want = c.violations[i];
    if (want === undefined) throw new Error('unreachable: lengths were compared');
    expect(v.property).toBe(property.name);
    expect(v.producer).toBe(want.producer ?? 'p');
    expect(v.summary).not.toContain('\n');
    if (want.summary !== undefined) {
      if (typeof want.summary === 'string') expect(v.summary).toBe(want.summary);
      else expect(v.summary).toMatch(want.summary);
    }
    expect([...v.evidence]).toEqual([...v.evidence].sort((a, b) => a - b));
    if (want.evidence !== undefined) expect(evidenceOf(c.history, v)).toEqual(want.evidence);
  });
}
