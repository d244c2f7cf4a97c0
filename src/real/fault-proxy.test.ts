import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerConfig } from '../../models/config.ts';
import { AedesBroker } from './aedes-broker.ts';
import { delay } from './bounded.ts';
import { cleanupAll, trackServer, trackSocket } from './cleanup.ts';
import { FaultProxy } from './fault-proxy.ts';
import { isMosquittoAvailable, isMosquittoRequired, Mosquitto } from './mosquitto.ts';
import { PacketSocket } from './packet-socket.ts';
import { freePort, loopback } from './ports.ts';
import { connectClient, disconnect, publishQos1, receive, subscribe, savesEveryChange } from './test-flows.ts';

afterEach(async () => {
  await cleanupAll();
});

interface Upstream {
  port: number;
  /** Server sides of accepted connections, in order. */
  readonly sockets: Socket[];
  /** Bytes received per connection. */
  readonly received: Buffer[][];
  readonly closed: boolean[];
}

/** A plain TCP peer standing in for a broker, to watch what the proxy passes on. */
async function upstream(): Promise<Upstream> {
  const state: Upstream = { port: 0, sockets: [], received: [], closed: [] };
  const server = createServer((socket) => {
    const index = state.sockets.length;
    trackSocket(socket, `upstream connection ${index}`);
    state.sockets.push(socket);
    state.received.push([]);
    state.closed.push(false);
    socket.on('data', (chunk: Buffer) => state.received[index]?.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      state.closed[index] = true;
    });
  });
  trackServer(server, 'test upstream');
  await new Promise<void>((resolve) => server.listen({ host: loopback, port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  state.port = address.port;
  return state;
}

const text = (chunks: Buffer[] | undefined): string => Buffer.concat(chunks ?? []).toString();

async function until(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
}

/** A raw client of the proxy (the proxy does not care what the bytes are). */
async function rawClient(port: number): Promise<{ socket: Socket; received: Buffer[]; closed: () => boolean }> {
  const socket = connect({ host: loopback, port });
  trackSocket(socket, 'raw client');
  const received: Buffer[] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received, closed: () => closed };
}

describe('fault proxy (mechanics, against a plain TCP peer)', () => {
  it('forwards both ways; sever() drops both ends and later connections go through again', async () => {
    const up = await upstream();
    const proxy = await FaultProxy.start({ upstreamPort: up.port, label: 'link' });
    const client = await rawClient(proxy.port);
    client.socket.write('hello');
    await until(() => text(up.received[0]) === 'hello', 'upstream to receive hello');
    up.sockets[0]?.write('world');
    await until(() => text(client.received) === 'world', 'client to receive world');
    proxy.sever();
    await until(() => client.closed() && up.closed[0] === true, 'both ends to see the drop');
    const again = await rawClient(proxy.port);
    again.socket.write('again');
    await until(() => text(up.received[1]) === 'again', 'a new connection through the proxy');
    expect(proxy.events().map((event) => event.kind)).toEqual([
      'accepted',
      'upstream-connected',
      'severed',
      'accepted',
      'upstream-connected',
    ]);
  });

  it('blackhole() holds bytes both ways without closing anything; heal() delivers them in order', async () => {
    const up = await upstream();
    const proxy = await FaultProxy.start({ upstreamPort: up.port });
    const client = await rawClient(proxy.port);
    await until(() => up.sockets.length === 1, 'the upstream connection');
    proxy.blackhole();
    client.socket.write('a');
    client.socket.write('b');
    up.sockets[0]?.write('x');
    // A connection made during the partition is not dialled through.
    const late = await rawClient(proxy.port);
    late.socket.write('late');
    await delay(100);
    expect([text(up.received[0]), text(client.received), up.sockets.length]).toEqual(['', '', 1]);
    expect([client.closed(), up.closed[0], late.closed()]).toEqual([false, false, false]);
    proxy.heal();
    await until(() => text(up.received[0]) === 'ab' && text(client.received) === 'x', 'held bytes after heal');
    await until(() => text(up.received[1]) === 'late', 'the late connection after heal');
  });

  it('heals by itself at the bound and records that the bound was hit', async () => {
    const up = await upstream();
    const proxy = await FaultProxy.start({ upstreamPort: up.port });
    const client = await rawClient(proxy.port);
    proxy.blackhole(50);
    client.socket.write('held');
    await until(() => text(up.received[0]) === 'held', 'delivery after the bound');
    expect(proxy.state).toBe('forwarding');
    expect(proxy.holdExpiries).toBe(1);
    expect(proxy.events().map((event) => event.kind)).toContain('hold-expired');
  });

  it('drops a client whose broker is down, as dialling the broker directly would', async () => {
    const proxy = await FaultProxy.start({ upstreamPort: await freePort() });
    const client = await rawClient(proxy.port);
    await until(() => client.closed(), 'the client connection to be dropped');
    expect(proxy.events().find((event) => event.kind === 'upstream-failed')?.detail).toMatch(/ECONNREFUSED/);
  });
});

/** A persistent consumer subscribed at QoS 1 through `proxy`, and a producer connected directly. */
async function consumerBehind(proxy: FaultProxy, broker: { host: string; port: number }, name: string): Promise<{ consumer: PacketSocket; producer: PacketSocket }> {
  const consumer = await connectClient(proxy, `${name}-consumer`, false);
  await subscribe(consumer.socket, name, 1, 1);
  const producer = await connectClient(broker, `${name}-producer`, true);
  return { consumer: consumer.socket, producer: producer.socket };
}

describe('fault proxy in front of aedes', () => {
  it('blackhole holds a delivery; heal lets it and its PUBACK through on the same connection', async () => {
    const broker = await AedesBroker.start({ durability: 'every-change' });
    const proxy = await FaultProxy.start({ upstreamPort: broker.port });
    const { consumer, producer } = await consumerBehind(proxy, broker, 'bh');
    proxy.blackhole();
    await publishQos1(producer, 'bh', 'bh#1', 1);
    await consumer.expectNothing(150);
    expect(consumer.isOpen).toBe(true);
    proxy.heal();
    expect(await receive(consumer)).toMatchObject({ payload: 'bh#1', qos: 1, dup: false });
  });

  it('follows a broker crash and restart on the same port', async () => {
    const broker = await AedesBroker.start({ durability: 'every-change' });
    const proxy = await FaultProxy.start({ upstreamPort: broker.port });
    const { consumer } = await consumerBehind(proxy, broker, 'rs');
    await broker.crash();
    expect((await consumer.closed).reason).toBe('closed-by-peer');
    await broker.restart();
    const again = await connectClient(proxy, 'rs-consumer', false);
    expect(again.connack.sessionPresent).toBe(true);
    await disconnect(again.socket);
  });
});

const mosquittoConfig: BrokerConfig = savesEveryChange;

describe.skipIf(!isMosquittoAvailable() && !isMosquittoRequired())('fault proxy in front of mosquitto', () => {
  it('sever: the client sees the drop and so does mosquitto (its log says so)', async () => {
    const broker = await Mosquitto.start({ broker: mosquittoConfig });
    const proxy = await FaultProxy.start({ upstreamPort: broker.port });
    const { consumer } = await consumerBehind(proxy, broker, 'sv');
    const since = broker.logCursor();
    proxy.sever();
    expect((await consumer.closed).reason).toBe('closed-by-peer');
    const line = await broker.waitForLog(/sv-consumer/, 2_000, since);
    expect(line.text).toMatch(/^(Client sv-consumer closed its connection|Socket error on client sv-consumer, disconnecting)\.$/);
  });

  it('follows kill -9 and restart; a message queued meanwhile arrives on reconnect', async () => {
    const broker = await Mosquitto.start({ broker: mosquittoConfig });
    const proxy = await FaultProxy.start({ upstreamPort: broker.port });
    const { consumer, producer } = await consumerBehind(proxy, broker, 'k9p');
    await broker.kill();
    expect((await consumer.closed).reason).toBe('closed-by-peer');
    expect((await producer.closed).reason).toBe('closed-by-peer');
    await broker.restart();
    const producer2 = await connectClient(broker, 'k9p-producer', true);
    await publishQos1(producer2.socket, 'k9p', 'k9p#1', 1);
    const again = await connectClient(proxy, 'k9p-consumer', false);
    expect(again.connack.sessionPresent).toBe(true);
    expect(await receive(again.socket)).toMatchObject({ payload: 'k9p#1', qos: 1 });
    broker.assertHealthy();
  });
});
