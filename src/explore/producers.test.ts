// What the swarm draws for producers, as exploration runs it. Two producers on one topic: order is
// per publisher (MQTT 3.1.1 §4.6 orders one client's messages, not two clients' against each
// other), loss and duplication are over every message, and exploration draws both producers'
// messages and faults; mixed QoS published without waiting (the first case below needs both);
// and a persistent producer reusing its client id after a crash.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import type { PublishSpec, Scenario } from '../../models/scenario.ts';
import { defaultBounds } from './arbitraries.ts';
import { evaluate } from './evaluate.ts';
import { explore } from './explore.ts';

function configOf(overrides: Readonly<Record<string, string>>) {
  const config = resolveConfig('mosquitto-defaults', { qos: '2', 'producer.publish_mode': 'scheduled', 'producer2.publish_mode': 'scheduled', ...overrides });
  if (!config.ok) throw new Error(config.error);
  return config.value;
}

const two = configOf({ producers: '2' });
const one = configOf({});

/**
 * Mosquitto forwards a QoS 0 message when it arrives and a QoS 2 one only at its PUBREL
 * (handle__pubrel), so a QoS 0 message published just after a QoS 2 one overtakes it. m1 and m3
 * are QoS 2, m2 and m4 QoS 0; the producer publishes m1, the second producer m2, m3 and m4,
 * once the consumer has subscribed (by 50 ms).
 */
const messages: readonly PublishSpec[] = [
  { atMs: 50, qos: 2 },
  { atMs: 51, qos: 0, by: 'producer2' },
  { atMs: 70, qos: 2, by: 'producer2' },
  { atMs: 71, qos: 0, by: 'producer2' },
];
const scenario: Scenario = { messages, offline: [], faults: [] };

function handlingOrder(history: ReturnType<typeof evaluate>['result']['history']): number[] {
  return history.flatMap((event) => (event.kind === 'handled' ? [event.message] : []));
}

describe('two producers in explore', () => {
  it('order is per producer: an overtaking within the second producer is a violation, one across producers is not', () => {
    const run = evaluate(two, { scenario, seed: 1 });
    expect(run.result.stats.end).toBe('quiescent');
    const handled = handlingOrder(run.result.history);
    // m2 (the second producer's) is handled before m1 (the first's), and m4 before m3.
    expect(handled.indexOf(2)).toBeLessThan(handled.indexOf(1));
    expect(handled.indexOf(4)).toBeLessThan(handled.indexOf(3));
    const order = run.violations.filter((violation) => violation.property === 'order');
    expect(order.map(({ message, producer }) => ({ message, producer }))).toEqual([{ message: 4, producer: 'producer2' }]);
    expect(run.violations.filter((violation) => violation.property !== 'order')).toEqual([]);
    // The history names each message's publisher.
    const publishers = run.result.history.flatMap((event) => (event.kind === 'publish-invoked' ? [[event.message, event.node]] : []));
    expect(publishers).toEqual([[1, 'producer'], [2, 'producer2'], [3, 'producer2'], [4, 'producer2']]);
  });

  it('the same messages from one producer make the cross-producer overtaking a violation too', () => {
    const alone: Scenario = { ...scenario, messages: messages.map(({ by: _by, ...spec }) => spec) };
    const run = evaluate(one, { scenario: alone, seed: 1 });
    const order = run.violations.filter((violation) => violation.property === 'order');
    expect(order.map(({ message, producer }) => ({ message, producer }))).toEqual([
      { message: 2, producer: 'producer' },
      { message: 4, producer: 'producer' },
    ]);
  });

  it('a scenario that names a producer the configuration lacks is refused, not run', () => {
    expect(() => evaluate(one, { scenario, seed: 1 })).toThrow(/messages\[1\]\.by names producer2, but the configuration has 1 producer/);
  });

  it('explore draws messages and faults of both producers, and names the second in classes', () => {
    const report = explore({ config: configOf({ producers: '2', qos: '1' }), bounds: { ...defaultBounds, messagesMax: 3 }, runs: 200, seed: 3, shrinkRunsMax: 0 });
    const cases = report.classes.map((entry) => entry.minimal.scenario);
    expect(cases.some((drawn) => drawn.messages.some((message) => message.by === 'producer2'))).toBe(true);
    expect(report.classes.some((entry) => entry.violations.some((violation) => violation.producer === 'producer2'))).toBe(true);
    expect(report.classes.some((entry) => entry.signature.text.includes('producer-crash(producer2)'))).toBe(true);
  });
});

describe('a persistent producer reusing its client id, in explore', () => {
  // Dies between PUBREC and PUBREL of m1 (its network loop takes 50 ms a turn); the restarted
  // process publishes m2 under packet id 1, the id the resumed session holds m1 under
  // (traces/real/reused-packet-id-clears-held-message.json is the case on real Mosquitto).
  const scenario: Scenario = {
    messages: [{ atMs: 200 }, { atMs: 600 }],
    offline: [],
    faults: [{ kind: 'producer-crash', when: { kind: 'event', event: 'publish-sent', message: 1, delayMs: 20 } }],
  };
  const lost = (clean: string) => {
    const config = resolveConfig('blog', { 'producer.clean_session': clean, 'producer.loopMs': '50' });
    if (!config.ok) throw new Error(config.error);
    return evaluate(config.value, { scenario, seed: 1 }).violations.map((violation) => `${violation.property} m${violation.message}`);
  };

  it('loses the message sent under the reused id, acknowledged; a clean session loses only the one it died holding', () => {
    expect(lost('false')).toEqual(['no-loss-acked m2', 'no-loss-invoked m1', 'no-loss-invoked m2', 'exactly-once-delivery m2']);
    expect(lost('true')).toEqual(['no-loss-invoked m1']);
  });
});
