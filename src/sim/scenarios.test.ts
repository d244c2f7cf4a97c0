// Scenario tests on the simulated broker: the blog's pitfalls, one by one, as histories.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import type { History, HistoryEvent } from '../../models/history.ts';
import type { Scenario } from '../../models/scenario.ts';
import { judge } from '../check/judge.ts';
import { RandomChooser } from './chooser.ts';
import { runScenario } from './run.ts';

function run(overrides: Overrides, scenario: Scenario, seed = 1) {
  const config = resolveConfig('blog', overrides);
  if (!config.ok) throw new Error(config.error);
  const result = runScenario(config.value, scenario, new RandomChooser(seed));
  return { result, violations: judge(result.history, config.value) };
}

const kinds = (history: History, kind: HistoryEvent['kind']) => history.filter((event) => event.kind === kind);

describe('blog scenarios', () => {
  it('an offline persistent QoS 2 consumer gets every message exactly once when it returns', () => {
    const { result, violations } = run({}, { messages: [{ atMs: 100 }, { atMs: 150 }, { atMs: 200 }], offline: [{ fromMs: 50, toMs: 5_000 }], faults: [] });
    expect(violations).toEqual([]);
    const handled = kinds(result.history, 'handled');
    expect(handled.map((event) => ('message' in event ? event.message : 0))).toEqual([1, 2, 3]);
    expect(handled.every((event) => event.atMs > 5_000)).toBe(true);
  });

  it('a subscriber that never connected before the publish gets nothing', () => {
    const { result, violations } = run({}, { messages: [{ atMs: 100 }, { atMs: 200 }], offline: [{ fromMs: 0, toMs: 3_000 }], faults: [] });
    expect(kinds(result.history, 'publish-acked')).toHaveLength(2);
    expect(kinds(result.history, 'subscribed')).toHaveLength(1);
    expect(kinds(result.history, 'delivered')).toEqual([]);
    // Nothing was promised to it: its session did not exist when the messages were published.
    expect(violations).toEqual([]);
  });

  it('queue overflow drops the newest messages while the producer sees them acknowledged', () => {
    const messages = [100, 110, 120, 130, 140].map((atMs) => ({ atMs }));
    const { result, violations } = run({ 'broker.max_queued_messages': '2' }, { messages, offline: [{ fromMs: 50, toMs: 5_000 }], faults: [] });
    expect(kinds(result.history, 'publish-acked')).toHaveLength(5);
    // Window 1: m1 is in flight for the offline client, m2 queued; Mosquitto counts both against the limit.
    const dropped = kinds(result.history, 'message-dropped').map((event) => ('message' in event ? event.message : 0));
    expect(dropped).toEqual([3, 4, 5]);
    const handled = kinds(result.history, 'handled').map((event) => ('message' in event ? event.message : 0));
    expect(handled).toEqual([1, 2]);
    expect(violations.filter((violation) => violation.property === 'no-loss-acked').map((violation) => violation.message)).toEqual([3, 4, 5]);
  });

  it('a broker killed inside the autosave window forgets acknowledged messages; a graceful restart keeps them', () => {
    const scenario = (fault: 'broker-kill' | 'broker-restart'): Scenario => ({
      messages: [{ atMs: 100 }],
      offline: [{ fromMs: 50, toMs: 2_000 }],
      faults: [{ kind: fault, when: { kind: 'time', atMs: 500 } }],
    });
    const killed = run({}, scenario('broker-kill'));
    expect(kinds(killed.result.history, 'publish-acked')).toHaveLength(1);
    expect(killed.violations.map((violation) => violation.property)).toContain('no-loss-acked');
    const restarted = run({}, scenario('broker-restart'));
    expect(restarted.violations).toEqual([]);
    // An autosave between the acknowledgement and the kill (every second, the kill at 1.5 s) keeps it too.
    const late: Scenario = { ...scenario('broker-kill'), faults: [{ kind: 'broker-kill', when: { kind: 'time', atMs: 1_500 } }] };
    const saved = run({ 'broker.autosave_interval': '1' }, late);
    expect(saved.violations).toEqual([]);
  });

  it('a producer that crashes before its network loop ran loses the message it published', () => {
    const { result, violations } = run({}, {
      messages: [{ atMs: 100 }],
      offline: [],
      faults: [{ kind: 'producer-crash', when: { kind: 'event', event: 'publish-invoked', message: 1, delayMs: 0 } }],
    });
    expect(kinds(result.history, 'publish-sent')).toEqual([]);
    expect(violations.map((violation) => violation.property)).toEqual(['no-loss-invoked']);
  });

  it('paho QoS 2: a consumer crash mid-handling loses the message; with QoS 1 it is handled twice', () => {
    const scenario: Scenario = {
      messages: [{ atMs: 100 }],
      offline: [],
      faults: [{ kind: 'consumer-crash', when: { kind: 'event', event: 'handling-started', message: 1, delayMs: 2 } }],
    };
    const qos2 = run({}, scenario);
    expect(qos2.violations.map((violation) => violation.property)).toEqual(['no-loss-acked', 'no-loss-invoked']);
    // QoS 1: the crash after the side effect but before the PUBACK went out.
    const qos1 = run({ qos: '1' }, { ...scenario, faults: [{ kind: 'consumer-crash', when: { kind: 'event', event: 'handled', message: 1, delayMs: 0 } }] });
    expect(qos1.violations.map((violation) => violation.property)).toContain('no-duplicate');
    expect(qos1.violations.map((violation) => violation.property)).not.toContain('no-loss-acked');
  });
});

describe('a SIGTERM takes effect when the broker next wakes (mux_epoll.c: signals blocked while it waits)', () => {
  const publishThenSigterm: Scenario = {
    messages: [{ atMs: 100 }],
    offline: [],
    faults: [{ kind: 'broker-restart', when: { kind: 'event', event: 'publish-sent', message: 1, delayMs: 0 } }],
  };

  it('a PUBLISH arriving just after the SIGTERM is still handled and saved; the broker stops after it', () => {
    const { result, violations } = run({ qos: '1' }, publishThenSigterm);
    const signalled = kinds(result.history, 'fault')[0];
    // The PUBLISH was the broker's last socket event: the fault takes effect, and is recorded, after it.
    expect(result.faults[0]?.atMs).toBeGreaterThan(signalled?.atMs ?? Infinity);
    expect(result.faults[0]?.phases).toEqual([{ message: 1, step: 'broker got PUBLISH', inSnapshot: false }]);
    // Saved at shutdown, so the restarted broker still has it for the consumer: nothing is lost.
    const restarted = kinds(result.history, 'restarted')[0];
    expect(kinds(result.history, 'handled').some((event) => event.atMs > (restarted?.atMs ?? Infinity))).toBe(true);
    expect(violations.filter((violation) => violation.property.startsWith('no-loss'))).toEqual([]);
  });

  it('with no socket event the broker stops when its 100 ms wait times out, restarting restartDelayMs after the SIGTERM', () => {
    const quiet: Scenario = { messages: [], offline: [], faults: [{ kind: 'broker-restart', when: { kind: 'time', atMs: 500 } }] };
    const { result } = run({}, quiet);
    const record = result.faults[0];
    expect(record?.atMs).toBeGreaterThan(500);
    expect(record?.atMs).toBeLessThanOrEqual(600);
    const restarted = kinds(result.history, 'restarted')[0];
    expect(restarted?.atMs).toBe(500 + 200);
  });
});
