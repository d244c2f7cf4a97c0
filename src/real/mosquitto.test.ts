import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerConfig } from '../../models/config.ts';
import { cleanupAll } from './cleanup.ts';
import { mosquittoConf } from './mosquitto-conf.ts';
import { isMosquittoAvailable, isMosquittoRequired, Mosquitto } from './mosquitto.ts';
import { portAccepts } from './ports.ts';
import { connectClient, disconnect, publishQos1, qos2RoundTrip, queueForAbsentConsumer, receive, subscribe } from './test-flows.ts';

afterEach(async () => {
  await cleanupAll();
});

/** Saves only at shutdown in practice (an hour between autosaves): kill -9 loses everything since start. */
const savesOnShutdown: BrokerConfig = {
  persistence: true,
  autosave_interval: 3600,
  autosave_on_changes: false,
  max_inflight_messages: 20,
  max_queued_messages: 1000,
  queue_qos0_messages: false,
};

/** autosave_on_changes with an interval of 1: a save after every change. */
const savesEveryChange: BrokerConfig = { ...savesOnShutdown, autosave_interval: 1, autosave_on_changes: true };

describe('mosquitto.conf', () => {
  it('mirrors the BrokerConfig under mosquitto.conf names, loopback only, log to stderr', () => {
    const conf = mosquittoConf(savesEveryChange, { port: 41883, persistenceDir: '/tmp/mqtt-dst-x', asRoot: false });
    expect(conf.ok).toBe(true);
    const lines = conf.ok ? conf.value.split('\n') : [];
    expect(lines).toEqual(
      expect.arrayContaining([
        'listener 41883 127.0.0.1',
        'allow_anonymous true',
        'persistence true',
        'persistence_location /tmp/mqtt-dst-x/',
        'autosave_interval 1',
        'autosave_on_changes true',
        'max_inflight_messages 20',
        'max_queued_messages 1000',
        'queue_qos0_messages false',
        'log_dest stderr',
        'log_type all',
      ]),
    );
    expect(lines).not.toContain('user root');
  });

  it('keeps root as root (so mosquitto can write the temp dir)', () => {
    const conf = mosquittoConf(savesEveryChange, { port: 41883, persistenceDir: '/tmp/d', asRoot: true });
    expect(conf.ok && conf.value.split('\n')).toContain('user root');
  });

  it('names the field of an invalid value', () => {
    expect(mosquittoConf({ ...savesEveryChange, max_queued_messages: -1 }, { port: 1883, persistenceDir: '/tmp/d', asRoot: false })).toEqual({
      ok: false,
      error: 'mosquitto.conf: broker.max_queued_messages: expected a non-negative integer, got -1',
    });
  });
});

describe.skipIf(!isMosquittoAvailable() && !isMosquittoRequired())('mosquitto (real process)', () => {
  it('carries CONNECT/CONNACK/SUBSCRIBE and a QoS 2 PUBLISH through the full flow', async () => {
    const broker = await Mosquitto.start({ broker: savesOnShutdown });
    const { suback, received } = await qos2RoundTrip(broker, 'mosq-qos2');
    expect(suback.granted).toEqual([2]);
    expect(received).toMatchObject({ cmd: 'publish', topic: 'mqtt-dst/mosq-qos2', payload: 'mosq-qos2#1', qos: 2, dup: false });
    expect(broker.log().some((line) => /^Received PUBREL from mosq-qos2-producer/.test(line.text))).toBe(true);
    broker.assertHealthy();
  });

  it('kill -9 then restart on the same dir and port: back to the last save', async () => {
    const broker = await Mosquitto.start({ broker: savesEveryChange });
    const since = broker.logCursor();
    await queueForAbsentConsumer(broker, 'k9');
    // With autosave_on_changes and interval 1, the publish is followed by a save.
    await broker.waitForLog(/^Saving in-memory database/, 3_000, since);
    const { port, dir } = broker;
    const pid = broker.pid;
    await broker.kill();
    expect(broker.running).toBe(false);
    expect(await portAccepts(port)).toBe(false);
    await broker.restart();
    expect([broker.port, broker.dir, broker.runs]).toEqual([port, dir, 2]);
    expect(broker.pid).not.toBe(pid);
    const consumer = await connectClient(broker, 'k9-consumer', false);
    expect(consumer.connack.sessionPresent).toBe(true);
    expect(await receive(consumer.socket)).toMatchObject({ topic: 'k9', payload: 'k9#1', qos: 1 });
    broker.assertHealthy();
  });

  it('kill -9 without a save since start loses the session and its queued message', async () => {
    const broker = await Mosquitto.start({ broker: savesOnShutdown });
    await queueForAbsentConsumer(broker, 'unsaved');
    await broker.kill();
    await broker.restart();
    const consumer = await connectClient(broker, 'unsaved-consumer', false);
    expect(consumer.connack.sessionPresent).toBe(false);
    await consumer.socket.expectNothing(200);
  });

  it('SIGTERM saves: a persistent session and its queued QoS 1 message survive a graceful restart', async () => {
    const broker = await Mosquitto.start({ broker: savesOnShutdown });
    await queueForAbsentConsumer(broker, 'graceful');
    await broker.stop();
    expect(existsSync(join(broker.dir, 'mosquitto.db'))).toBe(true);
    await broker.restart();
    const consumer = await connectClient(broker, 'graceful-consumer', false);
    expect(consumer.connack.sessionPresent).toBe(true);
    expect(await receive(consumer.socket)).toMatchObject({ topic: 'graceful', payload: 'graceful#1', qos: 1 });
    broker.assertHealthy();
  });

  it('a stop() right after a (re)start is not lost (SIGTERM before the main loop would be)', async () => {
    const broker = await Mosquitto.start({ broker: savesOnShutdown });
    const stopsMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await broker.stop();
      stopsMs.push(performance.now() - t0);
      await broker.restart();
    }
    console.log(`mosquitto SIGTERM -> saved and exited: ${stopsMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    broker.assertHealthy();
  });

  it('fails loudly when mosquitto cannot save its database', async () => {
    const broker = await Mosquitto.start({ broker: savesOnShutdown });
    // mosquitto writes mosquitto.db.new and renames it; a non-empty directory in its place cannot be removed.
    mkdirSync(join(broker.dir, 'mosquitto.db.new'));
    writeFileSync(join(broker.dir, 'mosquitto.db.new', 'blocker'), '');
    await expect(broker.stop()).rejects.toThrow(/persistence errors:\n.*Error saving in-memory database, unable to remove/);
  });

  it('fails loudly when mosquitto cannot restore its database', async () => {
    const broker = await Mosquitto.start({ broker: savesOnShutdown });
    await broker.stop();
    writeFileSync(join(broker.dir, 'mosquitto.db'), 'not a mosquitto database');
    await expect(broker.restart()).rejects.toThrow(/exited during start \(code 1\)[^]*Error: Unable to restore persistent database\. Unrecognised file format\./);
  });

  it('reports a binary that cannot start, naming it', async () => {
    await expect(Mosquitto.start({ broker: savesOnShutdown, binary: '/nonexistent/mosquitto' })).rejects.toThrow(
      /mosquitto \(\/nonexistent\/mosquitto\) on 127\.0\.0\.1:\d+ exited during start/,
    );
  });

  it('measures kill -9 + restart + accept (reported, not asserted)', async () => {
    const broker = await Mosquitto.start({ broker: savesEveryChange });
    await queueForAbsentConsumer(broker, 'bench');
    const cycles = 30;
    const t0 = performance.now();
    for (let i = 0; i < cycles; i++) {
      await broker.kill();
      await broker.restart();
    }
    const acceptMs = (performance.now() - t0) / cycles;
    const t1 = performance.now();
    for (let i = 0; i < cycles; i++) {
      await broker.kill();
      await broker.restart();
      const client = await connectClient(broker, 'bench-consumer', false);
      expect(client.connack.sessionPresent).toBe(true);
      client.socket.destroy();
    }
    const connackMs = (performance.now() - t1) / cycles;
    console.log(`mosquitto kill -9 + restart + accept: ${acceptMs.toFixed(1)} ms/cycle; + CONNECT/CONNACK: ${connackMs.toFixed(1)} ms/cycle (${cycles} cycles each)`);
    broker.assertHealthy();
  });
});
