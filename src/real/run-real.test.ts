// The real runner's own contract, on aedes (always available): world semantics for faults that
// strike or do not, the wall-clock cap reported as such, broker faults refused where the harness
// controls no broker, and nothing left behind when a run fails midway.
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../models/history.ts';
import { resolveConfig } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import { judge } from '../check/judge.ts';
import { AedesBroker } from './aedes-broker.ts';
import { cleanupAll, trackedResources } from './cleanup.ts';
import { checkScenarioForTarget, runOnBroker, RealRunError, scenarioEndMs } from './run-real.ts';
import { delegate } from './test-flows.ts';
import { openTarget, parseBrokerUrl, type BrokerControl } from './targets.ts';

afterEach(async () => {
  await cleanupAll();
});

function config(overrides: Record<string, string> = {}) {
  const resolved = resolveConfig('blog', { 'timing.restartDelayMs': '50', 'timing.reconnectDelayMs': '50', ...overrides });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

const kinds = (history: readonly HistoryEvent[]) => history.map((event) => event.kind);

describe('runOnBroker (aedes)', () => {
  it('records the same kinds of history events as the world, in protocol order', async () => {
    const broker = await openTarget({ kind: 'aedes' }, config().broker);
    const result = await runOnBroker(config(), { messages: [{ atMs: 100 }], offline: [], faults: [] }, broker, { idleMs: 50 });
    await broker.close();
    expect(result.end).toBe('quiescent');
    const seen = kinds(result.history);
    expect(new Set(seen)).toEqual(new Set(['subscribed', 'publish-invoked', 'publish-sent', 'publish-acked', 'delivered', 'handling-started', 'handled']));
    const at = (kind: HistoryEvent['kind']) => seen.indexOf(kind);
    expect(at('publish-invoked')).toBeLessThan(at('publish-sent'));
    expect(at('publish-sent')).toBeLessThan(at('publish-acked'));
    expect(at('delivered')).toBeLessThan(at('handling-started'));
    expect(at('handling-started')).toBeLessThan(at('handled'));
    expect(judge(result.history, config())).toEqual([]);
    // Times are real milliseconds since the run began, in order.
    const times = result.history.map((event) => event.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[1]).toBeGreaterThanOrEqual(99);
  });

  it('a connection drop is no fault when the link has no connection (as in the world); otherwise the client reconnects', async () => {
    const broker = await openTarget({ kind: 'aedes' }, config().broker);
    const scenario: Scenario = {
      messages: [{ atMs: 100 }],
      // The consumer is cleanly offline from 50 to 300: a drop of its link at 150 finds nothing to cut.
      offline: [{ fromMs: 50, toMs: 300 }],
      faults: [
        { kind: 'connection-drop', link: 'consumer', when: { kind: 'time', atMs: 150 } },
        { kind: 'connection-drop', link: 'producer', when: { kind: 'event', event: 'publish-acked', message: 1, delayMs: 5 } },
      ],
    };
    const result = await runOnBroker(config(), scenario, broker, { idleMs: 50 });
    await broker.close();
    expect(result.faults.map((fault) => `${fault.kind}(${fault.target})`)).toEqual(['connection-drop(producer)']);
    expect(result.links.producer.filter((event) => event.kind === 'severed')).toHaveLength(1);
    expect(result.links.producer.filter((event) => event.kind === 'accepted').length).toBeGreaterThanOrEqual(2);
    expect(judge(result.history, config())).toEqual([]);
  });

  it('ends at the cap, and says so, when the clients never settle', async () => {
    const broker = await openTarget({ kind: 'aedes' }, config().broker);
    const scenario: Scenario = { messages: [{ atMs: 50 }], offline: [{ fromMs: 100, toMs: 400 }], faults: [] };
    const result = await runOnBroker(config(), scenario, broker, { idleMs: 2_000, capMs: 100 });
    await broker.close();
    expect(result.end).toBe('cap');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(scenarioEndMs(scenario) + 100);
    expect(result.elapsedMs).toBeLessThan(scenarioEndMs(scenario) + 1_000);
  });

  it('leaves no proxy or socket behind when a run fails midway (the broker is its caller\'s)', async () => {
    const broker = await openTarget({ kind: 'aedes' }, config().broker);
    const failing: BrokerControl = { ...delegate(broker), kill: () => Promise.reject(new Error('injected: kill failed')) };
    const scenario: Scenario = { messages: [{ atMs: 50 }], offline: [], faults: [{ kind: 'broker-kill', when: { kind: 'event', event: 'publish-sent', message: 1, delayMs: 0 } }] };
    await expect(runOnBroker(config(), scenario, failing, { idleMs: 50 })).rejects.toThrow(/kill -9 failed: injected: kill failed/);
    // The run's proxies and client sockets are gone already; only the caller's broker is left.
    // (aedes may still be closing its end of a connection: that socket is the broker's.)
    const ours = trackedResources().filter((resource) => !resource.description.startsWith('aedes'));
    expect(ours).toEqual([]);
    await broker.close();
    expect(trackedResources()).toEqual([]);
  });
});

describe('targets', () => {
  it('parses mqtt://HOST:PORT and nothing vaguer', () => {
    expect(parseBrokerUrl('mqtt://127.0.0.1:1883')).toEqual({ ok: true, value: { host: '127.0.0.1', port: 1883 } });
    expect(parseBrokerUrl('mqtt://[::1]:1883')).toEqual({ ok: true, value: { host: '::1', port: 1883 } });
    expect(parseBrokerUrl('mqtt://127.0.0.1')).toMatchObject({ ok: false, error: expect.stringMatching(/expected a port/) });
    expect(parseBrokerUrl('mqtts://127.0.0.1:8883')).toMatchObject({ ok: false, error: expect.stringMatching(/only mqtt:\/\//) });
    expect(parseBrokerUrl('127.0.0.1:1883')).toMatchObject({ ok: false });
  });

  it('refuses broker faults against a broker the harness does not control, naming the fault', () => {
    const scenario: Scenario = {
      messages: [{ atMs: 0 }],
      offline: [],
      faults: [
        { kind: 'consumer-crash', when: { kind: 'event', event: 'delivered', message: 1, delayMs: 0 } },
        { kind: 'broker-kill', when: { kind: 'event', event: 'publish-acked', message: 1, delayMs: 0 } },
      ],
    };
    expect(checkScenarioForTarget(scenario, { name: 'mqtt://127.0.0.1:1883', controllable: true })).toBeUndefined();
    expect(checkScenarioForTarget(scenario, { name: 'mqtt://127.0.0.1:1883', controllable: false })).toMatch(/^scenario\.faults\[1\]: broker-kill needs a broker the harness controls/);
  });

  it('an external broker: probed with CONNECT/CONNACK, broker faults rejected at run time too', async () => {
    const aedes = await AedesBroker.start({ durability: 'none' });
    const external = await openTarget({ kind: 'url', host: aedes.host, port: aedes.port }, config().broker);
    expect(external.controllable).toBe(false);
    const scenario: Scenario = { messages: [{ atMs: 0 }], offline: [], faults: [{ kind: 'broker-restart', when: { kind: 'time', atMs: 0 } }] };
    await expect(runOnBroker(config(), scenario, external)).rejects.toThrow(RealRunError);
    await aedes.close();
    await expect(openTarget({ kind: 'url', host: aedes.host, port: aedes.port }, config().broker)).rejects.toThrow(/^no broker at mqtt:\/\/127\.0\.0\.1:\d+: connect to 127\.0\.0\.1:\d+ failed: connect ECONNREFUSED/);
  });
});
