import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AedesBroker, fenceStore } from './aedes-broker.ts';
import { delay } from './bounded.ts';
import { cleanupAll } from './cleanup.ts';
import { portAccepts } from './ports.ts';
import { connectClient, disconnect, publishQos1, publishQos2, qos2RoundTrip, queueForAbsentConsumer, receive, subscribe } from './test-flows.ts';

afterEach(async () => {
  await cleanupAll();
});

describe('aedes broker', () => {
  it('carries CONNECT/CONNACK/SUBSCRIBE and a QoS 2 PUBLISH through the full flow', async () => {
    const broker = await AedesBroker.start({ durability: 'none' });
    const { suback, received } = await qos2RoundTrip(broker, 'aedes-qos2');
    expect(suback.granted).toEqual([2]);
    expect(received).toMatchObject({ cmd: 'publish', topic: 'mqtt-dst/aedes-qos2', payload: 'aedes-qos2#1', qos: 2, dup: false });
    expect(broker.errors()).toEqual([]);
  });

  it("crash with durability 'every-change': the session and its queued message survive", async () => {
    const broker = await AedesBroker.start({ durability: 'every-change' });
    await queueForAbsentConsumer(broker, 'survives');
    await broker.crash();
    expect(await portAccepts(broker.port)).toBe(false);
    await broker.restart();
    const consumer = await connectClient(broker, 'survives-consumer', false);
    expect(consumer.connack.sessionPresent).toBe(true);
    const message = await receive(consumer.socket);
    expect(message).toMatchObject({ topic: 'survives', payload: 'survives#1', qos: 1 });
  });

  it("crash with durability 'none': everything is lost", async () => {
    const broker = await AedesBroker.start({ durability: 'none' });
    await queueForAbsentConsumer(broker, 'lost');
    await broker.crash();
    await broker.restart();
    const consumer = await connectClient(broker, 'lost-consumer', false);
    expect(consumer.connack.sessionPresent).toBe(false);
    await consumer.socket.expectNothing(200);
  });

  it('a crash drops connected clients abruptly; a connected persistent session survives it', async () => {
    const broker = await AedesBroker.start({ durability: 'every-change' });
    const watcher = await connectClient(broker, 'watcher', false);
    await subscribe(watcher.socket, 'w', 1, 1);
    await broker.crash();
    expect(await watcher.socket.closed).toEqual({ reason: 'closed-by-peer' });
    await broker.restart();
    const producer = await connectClient(broker, 'w-producer', true);
    await publishQos1(producer.socket, 'w', 'w#1', 1);
    const again = await connectClient(broker, 'watcher', false);
    expect(again.connack.sessionPresent).toBe(true);
    expect(await receive(again.socket)).toMatchObject({ topic: 'w', payload: 'w#1', qos: 1 });
  });

  it("after the fence is cut, the dead instance's store calls never complete and its streams never end", async () => {
    const calls: string[] = [];
    const store = {
      async setup(): Promise<void> {
        calls.push('setup');
      },
      async outgoingEnqueue(): Promise<string> {
        calls.push('outgoingEnqueue');
        return 'done';
      },
      outgoingStream(): Readable {
        calls.push('outgoingStream');
        return Readable.from([]);
      },
    };
    const fenced = fenceStore(store);
    const view = fenced.store as typeof store;
    expect(view.setup.constructor.name).toBe('AsyncFunction');
    expect(await view.outgoingEnqueue()).toBe('done');
    fenced.cut();
    const settled = await Promise.race([view.outgoingEnqueue().then(() => 'settled'), delay(50).then(() => 'pending')]);
    expect(settled).toBe('pending');
    const stream = view.outgoingStream();
    const ended = await Promise.race([new Promise((resolve) => stream.once('end', () => resolve('ended'))).then(String), delay(50).then(() => 'open')]);
    stream.resume();
    expect(ended).toBe('open');
    expect(calls).toEqual(['outgoingEnqueue']);
  });

  it('stop() is graceful and restart() serves again on the same port', async () => {
    const broker = await AedesBroker.start({ durability: 'every-change' });
    const port = broker.port;
    const client = await connectClient(broker, 'graceful', true);
    await broker.stop();
    expect((await client.socket.closed).reason).toBe('closed-by-peer');
    await broker.restart();
    expect(broker.port).toBe(port);
    const { received } = await qos2RoundTrip(broker, 'after-stop');
    expect(received.payload).toBe('after-stop#1');
    await broker.close();
    expect(await portAccepts(port)).toBe(false);
  });
  it('ground truth: two PUBRECs read in one chunk are answered with PUBRELs for the wrong packet ids (aedes 1.2 / aedes-persistence 11)', async () => {
    // aedes handles every packet of a socket read at once; each PUBREC stores its PUBREL with
    // persistence.outgoingUpdate, and the memory store matches a stored PUBREL against the next
    // one by brokerId/brokerCounter, which PUBRELs lack (undefined === undefined): it rewrites
    // the first stored PUBREL's messageId — the object the first handler is about to write.
    // A paho consumer handles QoS 2 on PUBREL: one message is released twice, the other never.
    // check-broker meets it when messages queued for a persistent consumer go out together.
    const broker = await AedesBroker.start({ durability: 'none' });
    const consumer = await connectClient(broker, 'pubrel-consumer', false);
    await subscribe(consumer.socket, 'pubrel', 2, 1);
    const producer = await connectClient(broker, 'pubrel-producer', true);
    await publishQos2(producer.socket, 'pubrel', 'a', 1);
    await publishQos2(producer.socket, 'pubrel', 'b', 2);
    const first = await consumer.socket.expect('publish');
    const second = await consumer.socket.expect('publish');
    const ids = [first.messageId, second.messageId];
    consumer.socket.cork();
    for (const messageId of ids) consumer.socket.send({ cmd: 'pubrec', messageId: messageId as number });
    consumer.socket.uncork();
    const released = [(await consumer.socket.expect('pubrel')).messageId, (await consumer.socket.expect('pubrel')).messageId];
    expect(released).not.toEqual(ids);
    expect(released).toEqual([ids[1], ids[1]]);
  });
});
