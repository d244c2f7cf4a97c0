// The blog's findings on real brokers, each with the model's verdict beside the broker's: the
// same scenario runs on the model (runScenario) and on Mosquitto / aedes over TCP, through the
// same client models, judged by the same properties. Mosquitto when its binary is present
// (MQTT_DST_REQUIRE_MOSQUITTO=1 makes its absence a failure); aedes always.
// Every anchor leaves a margin of several milliseconds (or is a microtask) so that the
// verdicts do not depend on the machine's load: these tests must not flake.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../models/history.ts';
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import type { Fault, Scenario } from '../../models/scenario.ts';
import { warmUp } from './batch.ts';
import { cleanupAll, trackedResources } from './cleanup.ts';
import { checkScenario, verdictKeys, type Comparison } from './differential.ts';
import { isMosquittoAvailable, isMosquittoRequired } from './mosquitto.ts';
import { aedesModelConfig, withLoopbackNetwork } from './real-scenarios.ts';
import { comparisonTable } from './report.ts';
import type { TargetKind } from './targets.ts';

afterEach(async () => {
  await cleanupAll();
});

const withMosquitto = isMosquittoAvailable() || isMosquittoRequired();

/** Shorter supervisor and reconnect delays than the preset's: real milliseconds are spent waiting on them. */
const fast: Overrides = { 'timing.restartDelayMs': '50', 'timing.reconnectDelayMs': '50' };

/** The consumer has subscribed well before this, on the model and on a loaded machine alike. */
const startMs = 200;

function configFor(overrides: Overrides) {
  const config = resolveConfig('blog', { ...fast, ...overrides });
  if (!config.ok) throw new Error(config.error);
  return config.value;
}

async function differential(target: Exclude<TargetKind, 'url'>, title: string, overrides: Overrides, scenario: Scenario): Promise<Comparison> {
  const config = configFor(overrides);
  const modelConfig = withLoopbackNetwork(target === 'aedes' ? aedesModelConfig(config) : config, overrides);
  const comparison = await checkScenario({ kind: target }, { modelConfig, realConfig: config, scenario, modelSeed: 1, idleMs: 100, explainSeeds: 50 });
  console.log([`${target}: ${title}`, ...comparisonTable(comparison, '  ')].join('\n'));
  expect(comparison.real.end).toBe('quiescent');
  // checkScenario releases its broker, proxies and sockets itself, before any afterEach.
  expect(trackedResources()).toEqual([]);
  return comparison;
}

function verdicts(violations: Comparison['real']['violations']): string[] {
  return verdictKeys(violations).map((key) => `${key.property} m${key.message}`);
}

function messagesOf(history: readonly HistoryEvent[], kind: HistoryEvent['kind']): number[] {
  return history.flatMap((event) => (event.kind === kind && 'message' in event ? [event.message] : []));
}

function kinds(history: readonly HistoryEvent[], kind: HistoryEvent['kind']): HistoryEvent[] {
  return history.filter((event) => event.kind === kind);
}

/** Both sides give `expected`, verdict for verdict. */
function expectBoth(comparison: Comparison, expected: readonly string[]): void {
  expect({ model: verdicts(comparison.model.violations), real: verdicts(comparison.real.violations) }).toEqual({ model: expected, real: expected });
  expect(comparison.agree).toBe(true);
}

const messagesAt = (...offsets: number[]) => offsets.map((offset) => ({ atMs: startMs + offset }));
const after = (event: Extract<Fault['when'], { kind: 'event' }>['event'], message: number, delayMs: number) => ({ kind: 'event', event, message, delayMs }) as const;

const lostBoth = (...messages: number[]) =>
  [
    ...messages.map((m) => `exactly-once-delivery m${m}`),
    ...messages.map((m) => `no-loss-acked m${m}`),
    ...messages.map((m) => `no-loss-invoked m${m}`),
  ].sort();

/** The scenarios both brokers run; what each must show is in its own suite below. */
const scenarios = {
  offlineConsumer: { messages: messagesAt(50, 60, 70), offline: [{ fromMs: startMs + 20, toMs: startMs + 300 }], faults: [] },
  neverConnected: { messages: messagesAt(50, 60), offline: [{ fromMs: 0, toMs: startMs + 200 }], faults: [] },
  gracefulRestart: {
    messages: messagesAt(50, 60),
    offline: [{ fromMs: startMs + 20, toMs: startMs + 500 }],
    faults: [{ kind: 'broker-restart', when: after('publish-acked', 2, 20) }],
  },
  killInWindow: {
    messages: messagesAt(50, 60),
    offline: [{ fromMs: startMs + 20, toMs: startMs + 500 }],
    faults: [{ kind: 'broker-kill', when: after('publish-acked', 2, 20) }],
  },
  producerExitsEarly: { messages: messagesAt(50), offline: [], faults: [{ kind: 'producer-crash', when: after('publish-invoked', 1, 0) }] },
  consumerCrashMidHandling: { messages: messagesAt(50), offline: [], faults: [{ kind: 'consumer-crash', when: after('handling-started', 1, 10) }] },
} satisfies Record<string, Scenario>;

/**
 * The producer's network loop takes 50 ms a turn: PUBLISH goes out, PUBREC comes back, and the
 * PUBREL waits for the next turn; the producer dies 20 ms after PUBLISH, in between.
 */
const releaseOnPubrel = {
  overrides: { 'producer.loopMs': '50' } satisfies Overrides,
  scenario: { messages: messagesAt(50), offline: [], faults: [{ kind: 'producer-crash', when: after('publish-sent', 1, 20) }] } satisfies Scenario,
};

/** Handling takes long enough that a crash 10 ms into it is mid-handling however loaded the machine is. */
const slowHandler: Overrides = { 'consumer.handlingMs': '50' };

describe.skipIf(!withMosquitto)('real Mosquitto beside the model', () => {
  beforeAll(async () => {
    await warmUp({ kind: 'mosquitto' }, configFor({}));
  });

  it('an offline persistent QoS 2 consumer gets every message exactly once when it returns', async () => {
    const c = await differential('mosquitto', 'offline persistent QoS 2 consumer', {}, scenarios.offlineConsumer);
    expectBoth(c, []);
    expect(messagesOf(c.real.history, 'handled')).toEqual([1, 2, 3]);
    expect(messagesOf(c.real.history, 'delivered')).toEqual([1, 2, 3]);
    expect(kinds(c.real.history, 'handled').every((event) => event.atMs >= startMs + 300)).toBe(true);
  });

  it('a subscriber that never connected gets nothing (and nothing was promised to it)', async () => {
    const c = await differential('mosquitto', 'never-connected subscriber', {}, scenarios.neverConnected);
    expectBoth(c, []);
    expect(kinds(c.real.history, 'publish-acked')).toHaveLength(2);
    expect(kinds(c.real.history, 'delivered')).toEqual([]);
    expect(kinds(c.real.history, 'subscribed')).toHaveLength(1);
  });

  it('a graceful restart (SIGTERM saves) keeps the queue of an offline persistent session', async () => {
    const c = await differential('mosquitto', 'graceful restart with a queue', {}, scenarios.gracefulRestart);
    expectBoth(c, []);
    expect(kinds(c.real.history, 'restarted').map((event) => 'node' in event && event.node)).toEqual(['broker']);
    expect(messagesOf(c.real.history, 'handled')).toEqual([1, 2]);
  });

  it('a kill -9 inside the autosave window loses acknowledged messages', async () => {
    const c = await differential('mosquitto', 'kill -9 inside the autosave window (autosave_interval 1800)', {}, scenarios.killInWindow);
    expectBoth(c, lostBoth(1, 2));
    expect(messagesOf(c.real.history, 'publish-acked')).toEqual([1, 2]);
    expect(kinds(c.real.history, 'subscribed').map((event) => 'sessionPresent' in event && event.sessionPresent)).toEqual([false, false]);
  });

  it('a kill -9 after an autosave (autosave_interval 1 s, kill 2.5 s later) keeps them', async () => {
    const scenario: Scenario = {
      messages: messagesAt(50, 60),
      offline: [{ fromMs: startMs + 20, toMs: startMs + 3_000 }],
      faults: [{ kind: 'broker-kill', when: after('publish-acked', 2, 2_500) }],
    };
    const c = await differential('mosquitto', 'kill -9 after an autosave', { 'broker.autosave_interval': '1' }, scenario);
    expectBoth(c, []);
    expect(messagesOf(c.real.history, 'handled')).toEqual([1, 2]);
  });

  it('queue overflow drops silently: the producer sees every message acknowledged', async () => {
    const scenario: Scenario = { messages: messagesAt(50, 60, 70, 80, 90), offline: [{ fromMs: startMs + 20, toMs: startMs + 400 }], faults: [] };
    const c = await differential('mosquitto', 'max_queued_messages 2, consumer offline', { 'broker.max_queued_messages': '2' }, scenario);
    expectBoth(c, lostBoth(3, 4, 5));
    expect(messagesOf(c.real.history, 'publish-acked')).toEqual([1, 2, 3, 4, 5]);
    expect(messagesOf(c.real.history, 'handled')).toEqual([1, 2]);
  });

  it('a producer that exits before its network loop ran loses its message', async () => {
    const c = await differential('mosquitto', 'producer crash right after publish()', {}, scenarios.producerExitsEarly);
    expectBoth(c, ['no-loss-invoked m1']);
    expect(kinds(c.real.history, 'publish-sent')).toEqual([]);
  });

  it('paho QoS 2: a consumer crash mid-handling loses the message (PUBREC went out before handling)', async () => {
    const c = await differential('mosquitto', 'consumer crash mid-handling, QoS 2', slowHandler, scenarios.consumerCrashMidHandling);
    expectBoth(c, ['no-loss-acked m1', 'no-loss-invoked m1']);
    expect(messagesOf(c.real.history, 'handling-started')).toEqual([1]);
    expect(messagesOf(c.real.history, 'handled')).toEqual([]);
  });

  it('paho QoS 1: the same crash duplicates it instead (PUBACK comes after handling)', async () => {
    const c = await differential('mosquitto', 'consumer crash mid-handling, QoS 1', { ...slowHandler, qos: '1' }, scenarios.consumerCrashMidHandling);
    expectBoth(c, ['exactly-once-delivery m1']);
    expect(messagesOf(c.real.history, 'handling-started')).toEqual([1, 1]);
    expect(kinds(c.real.history, 'delivered').map((event) => 'dup' in event && event.dup)).toEqual([false, true]);
  });

  it('a QoS 2 message is released on PUBREL: a producer dying between PUBREC and PUBREL loses it', async () => {
    const c = await differential('mosquitto', 'producer crash between PUBREC and PUBREL', releaseOnPubrel.overrides, releaseOnPubrel.scenario);
    expectBoth(c, ['no-loss-invoked m1']);
    expect(kinds(c.real.history, 'delivered')).toEqual([]);
  });

  it('paho QoS 1: a crash after handling, before the PUBACK was written, handles it twice', async () => {
    const scenario: Scenario = { messages: messagesAt(50), offline: [], faults: [{ kind: 'consumer-crash', when: after('handled', 1, 0) }] };
    const c = await differential('mosquitto', 'consumer crash after handling, QoS 1', { qos: '1' }, scenario);
    expectBoth(c, ['exactly-once-delivery m1', 'no-duplicate m1']);
    expect(messagesOf(c.real.history, 'handled')).toEqual([1, 1]);
  });
});

describe('real aedes beside the model (aedes as the model sees it: saves every change, no limits)', () => {
  beforeAll(async () => {
    await warmUp({ kind: 'aedes' }, configFor({}));
  });

  it('an offline persistent QoS 2 consumer gets every message exactly once when it returns', async () => {
    const c = await differential('aedes', 'offline persistent QoS 2 consumer', {}, { ...scenarios.offlineConsumer, messages: messagesAt(50) });
    expectBoth(c, []);
    expect(messagesOf(c.real.history, 'handled')).toEqual([1]);
  });

  it('a subscriber that never connected gets nothing', async () => {
    const c = await differential('aedes', 'never-connected subscriber', {}, scenarios.neverConnected);
    expectBoth(c, []);
    expect(kinds(c.real.history, 'delivered')).toEqual([]);
  });

  it('a crash of an aedes whose store keeps every change loses nothing; without persistence it loses everything', async () => {
    const scenario: Scenario = { ...scenarios.killInWindow, messages: messagesAt(50), faults: [{ kind: 'broker-kill', when: after('publish-acked', 1, 20) }] };
    const kept = await differential('aedes', 'crash, durable store', {}, scenario);
    expectBoth(kept, []);
    expect(messagesOf(kept.real.history, 'handled')).toEqual([1]);
    const lost = await differential('aedes', 'crash, no persistence', { 'broker.persistence': 'false' }, scenario);
    expectBoth(lost, lostBoth(1));
  });

  it('a producer that exits before its network loop ran loses its message', async () => {
    const c = await differential('aedes', 'producer crash right after publish()', {}, scenarios.producerExitsEarly);
    expectBoth(c, ['no-loss-invoked m1']);
  });

  it('paho QoS 2 / QoS 1: a consumer crash mid-handling loses / duplicates the message', async () => {
    const qos2 = await differential('aedes', 'consumer crash mid-handling, QoS 2', slowHandler, scenarios.consumerCrashMidHandling);
    expectBoth(qos2, ['no-loss-acked m1', 'no-loss-invoked m1']);
    const qos1 = await differential('aedes', 'consumer crash mid-handling, QoS 1', { ...slowHandler, qos: '1' }, scenarios.consumerCrashMidHandling);
    expectBoth(qos1, ['exactly-once-delivery m1']);
  });

  it('the aedes profile predicts that aedes releases an incoming QoS 2 message on PUBLISH, not on PUBREL', async () => {
    // MQTT 3.1.1 §4.3.3 lets a receiver deliver onwards on PUBLISH (Method A) or on PUBREL
    // (Method B); Mosquitto waits for PUBREL, aedes forwards at once (lib/handlers/publish.js:
    // store, publish, then PUBREC). A producer that dies between PUBREC and PUBREL (its clean
    // session discarded) loses the message on Mosquitto; on aedes the consumer already has it,
    // and so it has in the model's aedes profile (broker.profile aedes-1.2).
    const c = await differential('aedes', 'producer crash between PUBREC and PUBREL', releaseOnPubrel.overrides, releaseOnPubrel.scenario);
    expect(verdicts(c.real.violations)).toEqual([]);
    expect(messagesOf(c.real.history, 'handled')).toEqual([1]);
    expect(verdicts(c.model.violations)).toEqual([]);
    expect(c.agree).toBe(true);
  });
});
