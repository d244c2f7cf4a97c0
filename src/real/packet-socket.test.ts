import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Packet } from '../../models/packets.ts';
import { TimeoutError } from './bounded.ts';
import { cleanupAll, trackServer, trackSocket } from './cleanup.ts';
import { PacketSocket, SocketClosedError } from './packet-socket.ts';
import { freePort, loopback } from './ports.ts';
import { encode } from './wire.ts';

afterEach(async () => {
  await cleanupAll();
});

/** A scripted peer on 127.0.0.1: resolves with the server side of the first connection. */
async function peer(): Promise<{ port: number; accepted: Promise<Socket> }> {
  const server = createServer();
  trackServer(server, 'test peer');
  const accepted = new Promise<Socket>((resolve) =>
    server.once('connection', (socket) => {
      trackSocket(socket, 'test peer connection');
      resolve(socket);
    }),
  );
  await new Promise<void>((resolve) => server.listen({ host: loopback, port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { port: address.port, accepted };
}

const publish: Packet = { cmd: 'publish', topic: 't', payload: 'p1', qos: 1, dup: false, retain: false, messageId: 9 };

describe('packet socket', () => {
  it('frames packets both ways and converts them to the models shapes', async () => {
    const { port, accepted } = await peer();
    const socket = await PacketSocket.connect(loopback, port, { label: 'c1' });
    const server = await accepted;
    const received: Buffer[] = [];
    server.on('data', (chunk: Buffer) => received.push(chunk));
    socket.send(publish);
    await socket.flushed();
    // Two packets in one write, and one split across writes: framing is by mqtt-packet, not by chunk.
    const bytes = Buffer.concat([encode({ cmd: 'puback', messageId: 9 }), encode({ cmd: 'connack', returnCode: 0, sessionPresent: true }), encode(publish)]);
    server.write(bytes.subarray(0, bytes.length - 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.write(bytes.subarray(bytes.length - 3));
    expect(await socket.expect('puback')).toEqual({ cmd: 'puback', messageId: 9 });
    expect(await socket.next()).toEqual({ cmd: 'connack', returnCode: 0, sessionPresent: true });
    expect(await socket.next()).toEqual(publish);
    expect(Buffer.concat(received)).toEqual(encode(publish));
  });

  it('hands what waited in the inbox to a listener first, then every new packet', async () => {
    const { port, accepted } = await peer();
    const socket = await PacketSocket.connect(loopback, port);
    const server = await accepted;
    server.write(encode({ cmd: 'puback', messageId: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const seen: Packet[] = [];
    socket.onPacket((packet) => seen.push(packet));
    server.write(encode({ cmd: 'puback', messageId: 2 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([
      { cmd: 'puback', messageId: 1 },
      { cmd: 'puback', messageId: 2 },
    ]);
    await expect(socket.next()).rejects.toThrow(/onPacket listeners/);
  });

  it('reports the peer closing: closed promise, onClose, pending next() rejects, send throws', async () => {
    const { port, accepted } = await peer();
    const socket = await PacketSocket.connect(loopback, port, { label: 'c2' });
    const server = await accepted;
    const closes: string[] = [];
    socket.onClose((info) => closes.push(info.reason));
    const pending = socket.next(2_000);
    server.destroy();
    await expect(pending).rejects.toBeInstanceOf(SocketClosedError);
    expect(await socket.closed).toEqual({ reason: 'closed-by-peer' });
    expect(closes).toEqual(['closed-by-peer']);
    expect(() => socket.send(publish)).toThrow(/send\(publish\) on a closed connection/);
  });

  it('bounds next() and says what it waited for', async () => {
    const { port } = await peer();
    const socket = await PacketSocket.connect(loopback, port, { label: 'quiet' });
    const error = await socket.next(30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(String(error)).toMatch(/packet socket quiet: waiting for a packet: no result within 30 ms/);
    await socket.expectNothing(30);
  });

  it('closes with protocol-error on bytes that are no MQTT, or a packet the models lack', async () => {
    const cases = [
      // Packet type 15 is reserved in MQTT 3.1.1 (§2.2.1).
      { bytes: Buffer.from([0xf0, 0x00]), error: /unparseable bytes/ },
      // PINGRESP: valid MQTT, but models/packets.ts has no such packet.
      { bytes: Buffer.from([0xd0, 0x00]), error: /pingresp: the models \(models\/packets.ts\) have no such packet/ },
    ];
    for (const { bytes, error } of cases) {
      const { port, accepted } = await peer();
      const socket = await PacketSocket.connect(loopback, port);
      (await accepted).write(bytes);
      const info = await socket.closed;
      expect(info.reason).toBe('protocol-error');
      expect(info.error).toMatch(error);
    }
  });

  it('close() is graceful, destroy() abrupt; both reported as ours', async () => {
    const first = await peer();
    const a = await PacketSocket.connect(loopback, first.port);
    const aServer = await first.accepted;
    aServer.on('end', () => aServer.end());
    expect(await a.close()).toEqual({ reason: 'closed-locally' });
    const second = await peer();
    const b = await PacketSocket.connect(loopback, second.port);
    b.destroy();
    expect(await b.closed).toEqual({ reason: 'destroyed-locally' });
  });

  it('fails a refused connect with the address', async () => {
    const port = await freePort();
    await expect(PacketSocket.connect(loopback, port)).rejects.toThrow(new RegExp(`connect to 127\\.0\\.0\\.1:${port} failed: connect ECONNREFUSED`));
  });
});
