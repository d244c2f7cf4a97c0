import { parser } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { Packet } from '../../models/packets.ts';
import { encode, fromWire, protocolOptions } from './wire.ts';

function decode(bytes: Buffer): unknown[] {
  const decoded: unknown[] = [];
  const p = parser(protocolOptions);
  p.on('packet', (wire) => decoded.push(fromWire(wire)));
  p.on('error', (error: unknown) => decoded.push({ parseError: String(error) }));
  p.parse(bytes);
  return decoded;
}

// Table-driven, as mqtt-packet's own test.js: every shape the models speak survives the wire.
const roundTrips: readonly Packet[] = [
  { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'testclient', clean: false, keepalive: 0 },
  { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'p', clean: true, keepalive: 60 },
  { cmd: 'connack', returnCode: 0, sessionPresent: true },
  { cmd: 'connack', returnCode: 5, sessionPresent: false },
  { cmd: 'publish', topic: 'mytesttopic', payload: 'm1', qos: 0, dup: false, retain: false },
  { cmd: 'publish', topic: 'mytesttopic', payload: 'm2 ünïcode', qos: 1, dup: true, retain: false, messageId: 1 },
  { cmd: 'publish', topic: 'a/b', payload: '', qos: 2, dup: false, retain: true, messageId: 65535 },
  { cmd: 'puback', messageId: 3 },
  { cmd: 'pubrec', messageId: 4 },
  { cmd: 'pubrel', messageId: 5 },
  { cmd: 'pubcomp', messageId: 6 },
  { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'mytesttopic', qos: 2 }, { topic: 'x/#', qos: 0 }] },
  { cmd: 'suback', messageId: 7, granted: [2, 0x80] },
  { cmd: 'disconnect' },
];

describe('wire', () => {
  it.each(roundTrips.map((packet) => [packet.cmd, packet] as const))('%s round-trips through mqtt-packet', (_cmd, packet) => {
    expect(decode(encode(packet))).toEqual([{ ok: true, value: packet }]);
  });

  it('refuses a QoS 1 publish without a messageId, naming the packet', () => {
    expect(() => encode({ cmd: 'publish', topic: 't', payload: 'x', qos: 1, dup: false, retain: false })).toThrow(/qos 1 and messageId undefined/);
  });

  it('reports packets the models have no shape for as errors', () => {
    expect(fromWire({ cmd: 'pingresp' })).toEqual({ ok: false, error: 'pingresp: the models (models/packets.ts) have no such packet' });
  });

  it('omits messageId on QoS 0 publishes (exactOptionalPropertyTypes)', () => {
    const [decoded] = decode(encode({ cmd: 'publish', topic: 't', payload: 'x', qos: 0, dup: false, retain: false }));
    expect(decoded).toEqual({ ok: true, value: { cmd: 'publish', topic: 't', payload: 'x', qos: 0, dup: false, retain: false } });
    expect(Object.keys((decoded as { value: object }).value)).not.toContain('messageId');
  });
});
