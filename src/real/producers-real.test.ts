// What the swarm draws for producers, each on real brokers beside the model (the machinery of
// `check-broker`, src/real/differential.ts): two producers on one topic, each with its own client
// and fault proxy; one producer publishing without waiting, QoS mixed on one topic; and a
// persistent producer that reuses its client id after a crash.
// Mosquitto when its binary is present (MQTT_DST_REQUIRE_MOSQUITTO=1 makes its absence a
// failure); aedes always. Anchors leave margins of tens of milliseconds, and what is asserted
// of the real side does not depend on the machine's load.
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../models/history.ts';
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import { cleanupAll, trackedResources } from './cleanup.ts';
import { checkScenario, verdictKeys, type Comparison } from './differential.ts';
import { isMosquittoAvailable, isMosquittoRequired } from './mosquitto.ts';
import { aedesModelConfig, withLoopbackNetwork } from './real-scenarios.ts';
import { comparisonTable } from './report.ts';

afterEach(async () => {
  await cleanupAll();
});

const withMosquitto = isMosquittoAvailable() || isMosquittoRequired();
const fast: Overrides = { 'timing.restartDelayMs': '50', 'timing.reconnectDelayMs': '50' };

async function differential(target: 'mosquitto' | 'aedes', preset: string, overrides: Overrides, scenario: Scenario): Promise<Comparison> {
  const config = resolveConfig(preset, { ...fast, ...overrides });
  if (!config.ok) throw new Error(config.error);
  const modelConfig = withLoopbackNetwork(target === 'aedes' ? aedesModelConfig(config.value) : config.value, overrides);
  const comparison = await checkScenario({ kind: target }, { modelConfig, realConfig: config.value, scenario, modelSeed: 1, idleMs: 100, explainSeeds: 50 });
  console.log([`${target}: ${JSON.stringify(scenario)}`, ...comparisonTable(comparison, '  ')].join('\n'));
  expect(comparison.real.end).toBe('quiescent');
  expect(trackedResources()).toEqual([]);
  return comparison;
}

const verdicts = (comparison: Comparison, side: 'model' | 'real') => verdictKeys(comparison[side].violations).map((key) => `${key.property} m${key.message}`);

function first<K extends HistoryEvent['kind']>(history: readonly HistoryEvent[], kind: K, message: number): number {
  return history.findIndex((event) => event.kind === kind && 'message' in event && event.message === message);
}

/**
 * The first producer publishes m1 and m4, the second m2 and m3 (QoS 2). The second's network loop
 * takes 50 ms a turn, and it dies 20 ms after writing m2's PUBLISH, between PUBREC and PUBREL:
 * Mosquitto forwards a QoS 2 message at PUBREL (handle__pubrel), so m2 is lost there, while aedes
 * forwards it at PUBLISH (lib/handlers/publish.js). Its restarted process publishes m3; its link
 * is cut once m3 is acknowledged, and it reconnects.
 */
const twoProducers: Scenario = {
  messages: [{ atMs: 200 }, { atMs: 210, by: 'producer2' }, { atMs: 400, by: 'producer2' }, { atMs: 420 }],
  offline: [],
  faults: [
    { kind: 'producer-crash', producer: 'producer2', when: { kind: 'event', event: 'publish-sent', message: 2, delayMs: 20 } },
    { kind: 'connection-drop', link: 'producer2', when: { kind: 'event', event: 'publish-acked', message: 3, delayMs: 0 } },
  ],
};
const twoProducerSettings: Overrides = { producers: '2', 'producer2.loopMs': '50' };

/** Each producer's client, proxy and faults are its own; every message is judged, each by its publisher. */
function expectTwoProducers(c: Comparison): void {
  const publishers = c.real.history.flatMap((event) => (event.kind === 'publish-invoked' ? [`m${event.message} ${event.node}`] : []));
  expect(publishers).toEqual(['m1 producer', 'm2 producer2', 'm3 producer2', 'm4 producer']);
  expect(c.real.faults.map((fault) => `${fault.kind} ${fault.target}`)).toEqual(['producer-crash producer2', 'connection-drop producer2']);
  expect(c.real.links.producer2?.filter((event) => event.kind === 'severed')).toHaveLength(1);
  expect(c.real.links.producer.filter((event) => event.kind === 'severed')).toEqual([]);
}

/** Three messages published at one instant without waiting, QoS 2, 0 and 1, on one topic the consumer subscribed with QoS 2. */
const mixedBurst: Scenario = { messages: [{ atMs: 200, qos: 2 }, { atMs: 200, qos: 0 }, { atMs: 200, qos: 1 }], offline: [], faults: [] };
const unwaited: Overrides = { 'producer.publish_mode': 'scheduled' };

/** Each message reached the consumer at its own QoS, and the producer had all three out before the first was acknowledged. */
function expectMixedBurst(c: Comparison): void {
  const delivered = c.real.history.flatMap((event) => (event.kind === 'delivered' ? [`m${event.message} QoS ${event.qos}`] : []));
  expect([...delivered].sort()).toEqual(['m1 QoS 2', 'm2 QoS 0', 'm3 QoS 1']);
  expect(first(c.real.history, 'publish-sent', 3)).toBeLessThan(first(c.real.history, 'publish-acked', 1));
  // Which of them the consumer handles first is a race (order may go either way); no rule of the model may be missing.
  expect(c.explanation?.kind ?? 'agree').not.toBe('semantics');
}

/**
 * Client id reuse: a producer with a persistent session dies between PUBREC and PUBREL of m1 (its
 * network loop takes 50 ms a turn), and its restarted process, under the same id, resumes the
 * session and publishes m2 with packet id 1 again, the id the broker still holds m1 under.
 * (traces/real/reused-packet-id-clears-held-message.json keeps the Mosquitto case.)
 */
const reusedId: Scenario = {
  messages: [{ atMs: 200 }, { atMs: 600 }],
  offline: [],
  faults: [{ kind: 'producer-crash', when: { kind: 'event', event: 'publish-sent', message: 1, delayMs: 20 } }],
};
const persistentProducer: Overrides = { 'producer.clean_session': 'false', 'producer.loopMs': '50' };

describe.skipIf(!withMosquitto)('producers on real Mosquitto beside the model', () => {
  it('two producers: each its own client and link; the second loses the message it died holding at PUBREC', async () => {
    const c = await differential('mosquitto', 'blog', twoProducerSettings, twoProducers);
    expectTwoProducers(c);
    expect({ model: verdicts(c, 'model'), real: verdicts(c, 'real') }).toEqual({ model: ['no-loss-invoked m2'], real: ['no-loss-invoked m2'] });
    expect(c.agree).toBe(true);
  });

  it('publishing without waiting, QoS 2, 0 and 1 on one topic', async () => {
    expectMixedBurst(await differential('mosquitto', 'mosquitto-defaults', unwaited, mixedBurst));
  });

  it('client id reuse: the resumed session still holds m1 under id 1; m2 under that id clears it and, beyond the receive quota, is dropped', async () => {
    const c = await differential('mosquitto', 'blog', persistentProducer, reusedId);
    const lost = ['exactly-once-delivery m2', 'no-loss-acked m2', 'no-loss-invoked m1', 'no-loss-invoked m2'];
    expect({ model: verdicts(c, 'model'), real: verdicts(c, 'real') }).toEqual({ model: lost, real: lost });
    // With a clean session (paho's default) nothing is held across the restart and m2 arrives.
    const clean = await differential('mosquitto', 'blog', { 'producer.loopMs': '50' }, reusedId);
    expect({ model: verdicts(clean, 'model'), real: verdicts(clean, 'real') }).toEqual({ model: ['no-loss-invoked m1'], real: ['no-loss-invoked m1'] });
  });
});

if (!withMosquitto) {
  describe('producers on real Mosquitto beside the model', () => {
    it.skip('mosquitto is not installed (Debian: apt-get install mosquitto)', () => {});
  });
}

describe('producers on real aedes beside the model', () => {
  it('two producers: each its own client and link; aedes forwards the second producer’s m2 at PUBLISH, so nothing is lost', async () => {
    const c = await differential('aedes', 'blog', twoProducerSettings, twoProducers);
    expectTwoProducers(c);
    expect({ model: verdicts(c, 'model'), real: verdicts(c, 'real') }).toEqual({ model: [], real: [] });
    expect(c.agree).toBe(true);
  });

  it('publishing without waiting, QoS 2, 0 and 1 on one topic', async () => {
    expectMixedBurst(await differential('aedes', 'mosquitto-defaults', unwaited, mixedBurst));
  });

  it('client id reuse: aedes forwarded m1 at PUBLISH and takes m2 under the held id 1 for m1 again', async () => {
    const c = await differential('aedes', 'blog', persistentProducer, reusedId);
    const lost = ['exactly-once-delivery m2', 'no-loss-acked m2', 'no-loss-invoked m2'];
    expect({ model: verdicts(c, 'model'), real: verdicts(c, 'real') }).toEqual({ model: lost, real: lost });
  });
});
