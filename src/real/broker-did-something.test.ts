// A real check proves the broker did something, and a run cut by a bound is no verdict:
// a server that answers CONNECT and nothing else fails every run (by name) instead of
// "agreeing" that nothing was violated; a run that hits the wall-clock cap is inconclusive,
// not a semantic disagreement; and a SUBACK that comes late (a loaded machine) holds the
// scenario's timed items instead of letting a publish overtake the subscription.
import { writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { join } from 'node:path';
import { generate, parser as makeParser } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import { exitCodes } from '../cli/usage-error.ts';
import { mqttDst } from '../cli/run-cli.ts';
import { missingActivity } from './activity.ts';
import { cleanupAll, makeTempDir, trackServer, trackSocket } from './cleanup.ts';
import { checkScenario } from './differential.ts';
import { aedesModelConfig, withLoopbackNetwork } from './real-scenarios.ts';
import { runOnBroker } from './run-real.ts';
import { openTarget, type BrokerControl } from './targets.ts';
import { delegate } from './test-flows.ts';

afterEach(async () => {
  await cleanupAll();
});

function mkdtempScratch(): string {
  return makeTempDir('did-something').path;
}

function config(overrides: Record<string, string> = {}) {
  const resolved = resolveConfig('blog', { 'timing.restartDelayMs': '50', 'timing.reconnectDelayMs': '50', ...overrides });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/**
 * A TCP server on 127.0.0.1 that answers CONNECT with CONNACK and, with `acknowledging`, every
 * SUBSCRIBE, PUBLISH and PUBREL as a broker would (MQTT 3.1.1 §3.9, §4.3.2, §4.3.3), but never
 * forwards a message; without it, it ignores everything but CONNECT.
 */
async function fakeBroker(acknowledging: boolean): Promise<number> {
  const server = createServer((socket) => {
    trackSocket(socket, 'fake broker connection');
    const parser = makeParser();
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connect') socket.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      if (!acknowledging) return;
      if (packet.cmd === 'subscribe') socket.write(generate({ cmd: 'suback', messageId: packet.messageId ?? 0, granted: packet.subscriptions.map((s) => s.qos) }));
      if (packet.cmd === 'publish' && packet.qos === 1) socket.write(generate({ cmd: 'puback', messageId: packet.messageId ?? 0 }));
      if (packet.cmd === 'publish' && packet.qos === 2) socket.write(generate({ cmd: 'pubrec', messageId: packet.messageId ?? 0 }));
      if (packet.cmd === 'pubrel') socket.write(generate({ cmd: 'pubcomp', messageId: packet.messageId ?? 0 }));
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => socket.destroy());
  });
  trackServer(server, 'connack-only server');
  return listen(server);
}

/**
 * A relay to `upstreamPort` that holds every SUBACK (a chunk from the broker that begins with
 * one) for `holdMs` before passing it and what follows on: what a loaded machine does to a
 * consumer's subscription. Order on each connection is kept.
 */
async function subackDelayingRelay(upstreamPort: number, holdMs: number): Promise<number> {
  const server = createServer((client) => {
    trackSocket(client, 'relay client side');
    const upstream = new Socket();
    trackSocket(upstream, 'relay broker side');
    let chain = Promise.resolve();
    upstream.on('data', (chunk: Buffer) => {
      const hold = chunk[0] === 0x90;
      chain = chain.then(() => (hold ? new Promise((resolve) => setTimeout(resolve, holdMs)) : undefined)).then(() => {
        if (!client.destroyed) client.write(chunk);
      });
    });
    client.on('data', (chunk) => upstream.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    upstream.connect(upstreamPort, '127.0.0.1');
  });
  trackServer(server, 'suback-delaying relay');
  return listen(server);
}

describe('a real check proves the broker did something', () => {
  it('check-broker --url against a server that only answers CONNECT: every run fails, named; never "agree"', async () => {
    const port = await fakeBroker(false);
    const outcome = await mqttDst(['check-broker', '--url', `mqtt://127.0.0.1:${port}`, '--runs', '1', '--cap-ms', '300', '--idle-ms', '50']);
    expect(outcome.stdout).toMatch(/ERROR/);
    expect(outcome.stdout).toMatch(/the consumer never got its SUBACK in \d+ ms: mqtt:\/\/127\.0\.0\.1:\d+ did not confirm the subscription/);
    expect(outcome.stdout).toMatch(/0 agree \(0 with violations\), 0 disagree .*1 failed to run/);
    expect(outcome.stdout).not.toMatch(/\bagree {4}/);
    expect(outcome.code).toBe(exitCodes.disagreement);
  });

  it('check-broker --url against a server that acknowledges everything and forwards nothing: the run fails, named', async () => {
    const port = await fakeBroker(true);
    const scenario = join(mkdtempScratch(), 'no-fault.json');
    writeFileSync(scenario, JSON.stringify({ messages: [{ atMs: 50 }], offline: [], faults: [] }));
    const outcome = await mqttDst(['check-broker', '--url', `mqtt://127.0.0.1:${port}`, '--scenario', scenario, '--idle-ms', '50', '--cap-ms', '300']);
    expect(outcome.stdout).toMatch(/ERROR/);
    expect(outcome.stdout).toMatch(/delivered nothing, while the model delivered m1 and no fault struck/);
    expect(outcome.code).toBe(exitCodes.disagreement);
  });

  it('a consumer that went offline may legitimately get nothing: no failure then, only the verdicts judge it', () => {
    const subscribed = { kind: 'subscribed', node: 'consumer', sessionPresent: false, atMs: 1 } as const;
    const model = [subscribed, { kind: 'delivered', node: 'consumer', message: 1, dup: false, qos: 1, atMs: 64 } as const];
    expect(missingActivity(model, [subscribed], [], 'aedes')).toMatch(/aedes delivered nothing, while the model delivered m1 and no fault struck/);
    // A clean consumer that left 2 ms after the only publish was due: which came first is a race.
    expect(missingActivity(model, [subscribed], [], 'aedes', true)).toBeUndefined();
  });

  it('a run cut by the wall-clock cap is inconclusive: not compared, no semantics explanation', async () => {
    // Handling takes a minute: the cap cuts the real run mid-handling, where the message reads as lost.
    const realConfig = config({ 'consumer.handlingMs': '60000' });
    const modelConfig = withLoopbackNetwork(aedesModelConfig(realConfig), {});
    const scenario: Scenario = { messages: [{ atMs: 50 }], offline: [], faults: [] };
    const comparison = await checkScenario({ kind: 'aedes' }, { modelConfig, realConfig, scenario, modelSeed: 1, idleMs: 50, capMs: 2_000, explainSeeds: 20 });
    expect(comparison.real.end).toBe('cap');
    expect(comparison.model.end).toBe('quiescent');
    expect(comparison.inconclusive).toBe(true);
    expect(comparison.agree).toBe(false);
    expect(comparison.explanation).toBeUndefined();
  });

  it('a SUBACK that comes after the first publish was due delays the scenario: the publish never overtakes the subscription', async () => {
    const broker = await openTarget({ kind: 'aedes' }, config().broker);
    const relayPort = await subackDelayingRelay(broker.port, 300);
    const slow: BrokerControl = { ...delegate(broker), name: 'aedes behind a slow link', host: '127.0.0.1', port: relayPort };
    const result = await runOnBroker(config(), { messages: [{ atMs: 100 }], offline: [], faults: [] }, slow, { idleMs: 100 });
    await broker.close();
    const kinds = result.history.map((event) => event.kind);
    expect(kinds.indexOf('subscribed')).toBeLessThan(kinds.indexOf('publish-invoked'));
    expect(kinds).toContain('delivered');
    expect(kinds).toContain('handled');
    const subscribedAt = result.history.find((event) => event.kind === 'subscribed')?.atMs ?? 0;
    expect(subscribedAt).toBeGreaterThanOrEqual(300);
  });
});
