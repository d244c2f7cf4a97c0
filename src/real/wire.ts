// Conversion between the models' packets (models/packets.ts) and mqtt-packet's objects, the
// only place where a model packet meets bytes. Outgoing: payload string -> Buffer, the fields
// mqtt-packet's generator needs, MQTT 3.1.1 (protocol level 4). Incoming: back to the models'
// shapes, keeping only the fields they have; anything they cannot express is an error value.
import { generate, type Packet as WirePacket } from 'mqtt-packet';
import type { Packet, QoS, Subscription } from '../../models/packets.ts';
import { unreachable } from '../../models/assert.ts';
import { err, ok, type Result } from '../../models/result.ts';

/** MQTT 3.1.1 is protocol level 4 (§3.1.2.2); the generator and parser are told so explicitly. */
export const protocolOptions = { protocolVersion: 4 } as const;

export function toWire(packet: Packet): WirePacket {
  switch (packet.cmd) {
    case 'connect':
      return {
        cmd: 'connect',
        protocolId: packet.protocolId,
        protocolVersion: packet.protocolVersion,
        clientId: packet.clientId,
        clean: packet.clean,
        keepalive: packet.keepalive,
      };
    case 'connack':
      return { cmd: 'connack', returnCode: packet.returnCode, sessionPresent: packet.sessionPresent };
    case 'publish': {
      // MQTT 3.1.1 §2.3.1: a packet identifier is present exactly when QoS > 0.
      if ((packet.qos > 0) !== (packet.messageId !== undefined)) {
        throw new Error(`toWire: publish with qos ${packet.qos} and messageId ${String(packet.messageId)}: ${JSON.stringify(packet)}`);
      }
      const wire: WirePacket = {
        cmd: 'publish',
        topic: packet.topic,
        payload: Buffer.from(packet.payload, 'utf8'),
        qos: packet.qos,
        dup: packet.dup,
        retain: packet.retain,
      };
      if (packet.messageId !== undefined) wire.messageId = packet.messageId;
      return wire;
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { cmd: packet.cmd, messageId: packet.messageId };
    case 'subscribe':
      return {
        cmd: 'subscribe',
        messageId: packet.messageId,
        subscriptions: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })),
      };
    case 'suback':
      return { cmd: 'suback', messageId: packet.messageId, granted: [...packet.granted] };
    case 'disconnect':
      return { cmd: 'disconnect' };
    default:
      return unreachable(packet);
  }
}

export function encode(packet: Packet): Buffer {
  return generate(toWire(packet), protocolOptions);
}

function isQoS(value: unknown): value is QoS {
  return value === 0 || value === 1 || value === 2;
}

function messageIdOf(wire: WirePacket): Result<number> {
  const id = wire.messageId;
  // MQTT 3.1.1 §2.3.1: non-zero 16-bit.
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 65535) {
    return err(`${wire.cmd}: expected a messageId in 1..65535, got ${String(id)}`);
  }
  return ok(id);
}

/** The models' shape of a packet mqtt-packet parsed, or why it has none. */
export function fromWire(wire: WirePacket): Result<Packet> {
  switch (wire.cmd) {
    case 'connect': {
      if (wire.protocolId !== 'MQTT' || wire.protocolVersion !== 4) {
        return err(`connect: expected protocol MQTT level 4, got ${String(wire.protocolId)} level ${String(wire.protocolVersion)}`);
      }
      return ok({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: wire.clientId,
        clean: wire.clean ?? true,
        keepalive: wire.keepalive ?? 0,
      });
    }
    case 'connack': {
      const returnCode = wire.returnCode ?? wire.reasonCode;
      if (typeof returnCode !== 'number') return err('connack: no returnCode');
      return ok({ cmd: 'connack', returnCode, sessionPresent: wire.sessionPresent });
    }
    case 'publish': {
      if (!isQoS(wire.qos)) return err(`publish: invalid qos ${String(wire.qos)}`);
      const payload = typeof wire.payload === 'string' ? wire.payload : wire.payload.toString('utf8');
      const base = { cmd: 'publish', topic: wire.topic, payload, qos: wire.qos, dup: wire.dup, retain: wire.retain } as const;
      if (wire.qos === 0) return ok(base);
      const id = messageIdOf(wire);
      return id.ok ? ok({ ...base, messageId: id.value }) : id;
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp': {
      const id = messageIdOf(wire);
      return id.ok ? ok({ cmd: wire.cmd, messageId: id.value }) : id;
    }
    case 'subscribe': {
      const id = messageIdOf(wire);
      if (!id.ok) return id;
      const subscriptions: Subscription[] = [];
      for (const s of wire.subscriptions) {
        if (!isQoS(s.qos)) return err(`subscribe: invalid qos ${String(s.qos)} for ${s.topic}`);
        subscriptions.push({ topic: s.topic, qos: s.qos });
      }
      return ok({ cmd: 'subscribe', messageId: id.value, subscriptions });
    }
    case 'suback': {
      const id = messageIdOf(wire);
      if (!id.ok) return id;
      const granted: number[] = [];
      for (const g of wire.granted) {
        if (typeof g !== 'number') return err(`suback: expected numeric granted QoS (MQTT 3.1.1), got ${JSON.stringify(g)}`);
        granted.push(g);
      }
      return ok({ cmd: 'suback', messageId: id.value, granted });
    }
    case 'disconnect':
      return ok({ cmd: 'disconnect' });
    case 'pingreq':
    case 'pingresp':
    case 'unsubscribe':
    case 'unsuback':
    case 'auth':
      return err(`${wire.cmd}: the models (models/packets.ts) have no such packet`);
    default:
      return unreachable(wire);
  }
}
