import { describe, expect, it } from 'vitest';
import type { Packet } from '../../models/packets.ts';
import { brokerReadMsMax, type Written } from './broker-reads.ts';

const puback: Packet = { cmd: 'puback', messageId: 1 };
const publish: Packet = { cmd: 'publish', qos: 2, dup: false, retain: false, topic: 't', payload: 'm1', messageId: 3 };
const write = (atMs: number, packet: Packet, endedAtMs?: number): Written => ({ atMs, clientId: 'testclient', packet, endedAtMs });

describe("how long Mosquitto took to read what the clients wrote (its 'Received …' log lines)", () => {
  it('from the write to the line that logs its reading', () => {
    const lines = [
      { atMs: 10, text: "Received PUBLISH from testclient (d0, q2, r0, m3, 't', ... (2 bytes))" },
      { atMs: 31, text: 'Received PUBACK from testclient (Mid: 1, RC:0)' },
    ];
    expect(brokerReadMsMax([write(9.5, publish), write(12, puback)], lines, [])).toBe(19);
  });

  it('a packet never read counts until the broker was stopped, if its connection was still open then', () => {
    // Swarm seed 31 #437's shape: a PUBACK written 13.7 ms before the SIGTERM, never read.
    const sigterm = [{ atMs: 168.7, target: 'broker' }];
    expect(brokerReadMsMax([write(155, puback)], [], sigterm)).toBe(13.7);
    // Its connection ended before: the close, not the broker, may have lost it.
    expect(brokerReadMsMax([write(155, puback, 160)], [], sigterm)).toBe(0);
    // A client crash came first: not counted either.
    expect(brokerReadMsMax([write(155, puback)], [], [{ atMs: 156, target: 'consumer' }, ...sigterm])).toBe(0);
  });

  it('each line answers one write, of that packet and client', () => {
    const lines = [{ atMs: 11, text: 'Received PUBACK from producer (Mid: 1, RC:0)' }];
    expect(brokerReadMsMax([write(10, puback)], lines, [{ atMs: 40, target: 'broker' }])).toBe(30);
  });
});
