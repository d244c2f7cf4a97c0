// A broker handed on by the pool is, to the next scenario, what a fresh one would be: no session,
// subscription or queued message of the last scenario's clients, and no saved database for a
// kill -9 to come back to. Where an autosave could strike during the next run it is not reused.
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerConfig } from '../../models/config.ts';
import { presets } from '../../models/presets.ts';
import { autosaveCannotStrike, BrokerPool } from './broker-pool.ts';
import { cleanupAll, trackedResources } from './cleanup.ts';
import { isMosquittoAvailable, isMosquittoRequired } from './mosquitto.ts';
import { connectClient, disconnect, publishQos1, queueForAbsentConsumer, receive, subscribe } from './test-flows.ts';

afterEach(async () => {
  await cleanupAll();
});

const withMosquitto = isMosquittoAvailable() || isMosquittoRequired();

/** The blog's broker: persistence, an autosave every 30 minutes, none on changes. */
const blogBroker: BrokerConfig = (() => {
  const blog = presets['blog'];
  if (blog === undefined) throw new Error('no blog preset');
  return blog.broker;
})();

describe('when a broker may be reused', () => {
  it('only where no autosave can strike during the run, on it or on a fresh broker', () => {
    expect(autosaveCannotStrike({ ...blogBroker, persistence: false, autosave_on_changes: true, autosave_interval: 1 }, 60_000)).toBe(true);
    expect(autosaveCannotStrike({ ...blogBroker, autosave_interval: 0 }, 3_600_000)).toBe(true);
    expect(autosaveCannotStrike(blogBroker, 1_799_999)).toBe(true);
    expect(autosaveCannotStrike(blogBroker, 1_800_000)).toBe(false);
    // Changes counted before a reset would count towards the next run's save.
    expect(autosaveCannotStrike({ ...blogBroker, autosave_on_changes: true }, 1)).toBe(false);
  });
});

/** The first message a fresh persistent session of `clientId` gets is the marker published after it subscribed: nothing was queued for it before. */
async function expectNothingQueued(endpoint: { readonly host: string; readonly port: number }, clientId: string, topic: string): Promise<void> {
  const consumer = await connectClient(endpoint, clientId, false);
  expect(consumer.connack.sessionPresent).toBe(false);
  await subscribe(consumer.socket, topic, 1, 1);
  const producer = await connectClient(endpoint, 'marker-producer', true);
  await publishQos1(producer.socket, topic, 'marker', 1);
  await disconnect(producer.socket);
  expect(await receive(consumer.socket)).toMatchObject({ topic, payload: 'marker' });
  await disconnect(consumer.socket);
}

describe.skipIf(!withMosquitto)('a pooled Mosquitto', () => {
  it('after a scenario that left a saved session with a queued message: no session, no message, and none after kill -9', async () => {
    const pool = new BrokerPool();
    const first = await pool.open({ kind: 'mosquitto' }, blogBroker, 10_000);
    await queueForAbsentConsumer(first, 'pooled');
    await first.stop(); // SIGTERM saves the session and its message
    await first.restart(); // and the restart loads them
    await first.close();
    await pool.settled();
    const second = await pool.open({ kind: 'mosquitto' }, blogBroker, 10_000);
    expect(pool.counts).toEqual({ started: 1, reused: 1 });
    expect(second.port).toBe(first.port);
    await expectNothingQueued(second, 'pooled-consumer', 'pooled');
    // Left by the check above, then discarded by the next reset; before it, a kill -9 finds no save.
    await second.kill();
    await second.restart();
    await expectNothingQueued(second, 'pooled-consumer', 'pooled-2');
    await second.close();
    await pool.closeAll();
    expect(trackedResources()).toEqual([]);
  });

  it('is not reused where an autosave could strike in the next run, nor after it died', async () => {
    const pool = new BrokerPool();
    const savesEverySecond: BrokerConfig = { ...blogBroker, autosave_interval: 1 };
    await (await pool.open({ kind: 'mosquitto' }, savesEverySecond, 5_000)).close();
    await pool.settled();
    const again = await pool.open({ kind: 'mosquitto' }, savesEverySecond, 5_000);
    expect(pool.counts).toEqual({ started: 2, reused: 0 });
    await again.close();
    const dying = await pool.open({ kind: 'mosquitto' }, blogBroker, 5_000);
    await dying.kill();
    await dying.close();
    await pool.settled();
    await (await pool.open({ kind: 'mosquitto' }, blogBroker, 5_000)).close();
    expect(pool.counts).toEqual({ started: 4, reused: 0 });
    await pool.closeAll();
    expect(trackedResources()).toEqual([]);
  });
});
