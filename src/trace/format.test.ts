import { describe, expect, it } from 'vitest';
import { parseTrace, type Trace } from './format.ts';

const valid: Trace = {
  format: 'mqtt-dst-trace',
  version: 1,
  preset: 'blog',
  overrides: { 'broker.autosave_interval': '1' },
  signature: 'no-loss-acked / broker-kill: producer got PUBCOMP, not in snapshot',
  scenario: {
    messages: [{ atMs: 0 }, { atMs: 10 }],
    offline: [{ fromMs: 5, toMs: 50 }],
    faults: [
      { kind: 'broker-kill', when: { kind: 'time', atMs: 30 } },
      { kind: 'connection-drop', link: 'consumer', when: { kind: 'event', event: 'delivered', message: 2, delayMs: 0 } },
    ],
  },
  seed: 42,
  choices: [0, 3, 1],
  outcome: {
    end: 'quiescent',
    events: 12,
    endMs: 400,
    logDigest: `sha256:${'a'.repeat(64)}`,
    violations: [{ property: 'no-loss-acked', message: 1, consumer: 'consumer', summary: 'lost' }],
  },
};

function mutated(change: (trace: Record<string, unknown>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
  change(copy);
  return copy;
}

describe('trace format', () => {
  it('accepts a valid trace and returns it unchanged', () => {
    const parsed = parseTrace(JSON.parse(JSON.stringify(valid)), 'x.json');
    expect(parsed).toEqual({ ok: true, value: valid });
  });

  it('keeps what a two-producer scenario names: publishers, a crash of the second producer, a drop of its link', () => {
    const scenario: Trace['scenario'] = {
      messages: [{ atMs: 0 }, { atMs: 10, qos: 1, by: 'producer2' }],
      offline: [],
      faults: [
        { kind: 'producer-crash', producer: 'producer2', when: { kind: 'time', atMs: 5 } },
        { kind: 'connection-drop', link: 'producer2', when: { kind: 'time', atMs: 6 } },
      ],
    };
    const two = { ...valid, scenario };
    expect(parseTrace(JSON.parse(JSON.stringify(two)), 'x.json')).toEqual({ ok: true, value: two });
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown version', mutated((t) => (t['version'] = 99)), /x\.json: unknown trace format version 99/],
    ['another format', mutated((t) => (t['format'] = 'other')), /not an mqtt-dst trace/],
    ['a missing field', mutated((t) => delete t['choices']), /trace\.choices: missing/],
    ['an unknown field', mutated((t) => (t['extra'] = 1)), /trace\.extra: unknown field/],
    ['a negative seed', mutated((t) => (t['seed'] = -1)), /trace\.seed: expected a whole number/],
    ['a bad fault kind', mutated((t) => ((t['scenario'] as { faults: { kind: string }[] }).faults[0]!.kind = 'meteor')), /trace\.scenario\.faults\[0\]\.kind: expected one of/],
    ['a drop without link', mutated((t) => delete (t['scenario'] as { faults: { link?: string }[] }).faults[1]!.link), /faults\[1\]\.link: expected one of producer, producer2, consumer/],
    ['an anchor on a missing message', mutated((t) => ((t['scenario'] as { faults: { when: { message: number } }[] }).faults[1]!.when.message = 9)), /faults\[1\]\.when\.message/],
    ['an empty offline period', mutated((t) => ((t['scenario'] as { offline: { toMs: number }[] }).offline[0]!.toMs = 5)), /offline\[0\]\.toMs/],
    ['a bad digest', mutated((t) => ((t['outcome'] as { logDigest: string }).logDigest = 'md5:1')), /trace\.outcome\.logDigest: expected sha256/],
    ['a bad property', mutated((t) => ((t['outcome'] as { violations: { property: string }[] }).violations[0]!.property = 'fast')), /violations\[0\]\.property/],
    ['an unknown publisher', mutated((t) => ((t['scenario'] as { messages: { by?: string }[] }).messages[0]!.by = 'producer3')), /messages\[0\]\.by: expected one of producer, producer2/],
    ['a producer on a broker fault', mutated((t) => ((t['scenario'] as { faults: { producer?: string }[] }).faults[0]!.producer = 'producer2')), /faults\[0\]\.producer: expected no producer for broker-kill/],
    ['not an object', [1, 2], /trace: expected an object/],
  ])('rejects %s, naming the field', (_name, value, message) => {
    const parsed = parseTrace(value, 'x.json');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toMatch(message);
      expect(parsed.error.split('\n')).toHaveLength(1);
    }
  });
});
