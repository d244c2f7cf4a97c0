// The packet shapes the models speak. They are the subset of mqtt-packet's objects that
// MQTT 3.1.1 needs here, so the real-broker path can hand them to mqtt-packet's generator as is.

export type QoS = 0 | 1 | 2;

export interface ConnectPacket {
  readonly cmd: 'connect';
  readonly protocolId: 'MQTT';
  readonly protocolVersion: 4;
  readonly clientId: string;
  readonly clean: boolean;
  readonly keepalive: number;
}

export interface ConnackPacket {
  readonly cmd: 'connack';
  readonly returnCode: number;
  readonly sessionPresent: boolean;
}

export interface PublishPacket {
  readonly cmd: 'publish';
  readonly topic: string;
  /** The harness's ghost tag of the message (see models/ghost.ts); node logic never reads it. */
  readonly payload: string;
  readonly qos: QoS;
  readonly dup: boolean;
  readonly retain: boolean;
  /** Present exactly when qos > 0 (MQTT 3.1.1 §2.3.1). */
  readonly messageId?: number;
}

export interface AckPacket {
  readonly cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';
  readonly messageId: number;
}

export interface Subscription {
  readonly topic: string;
  readonly qos: QoS;
}

export interface SubscribePacket {
  readonly cmd: 'subscribe';
  readonly messageId: number;
  readonly subscriptions: readonly Subscription[];
}

export interface SubackPacket {
  readonly cmd: 'suback';
  readonly messageId: number;
  /** Granted QoS per subscription, 0x80 for failure (MQTT 3.1.1 §3.9.3). */
  readonly granted: readonly number[];
}

export interface DisconnectPacket {
  readonly cmd: 'disconnect';
}

export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | AckPacket
  | SubscribePacket
  | SubackPacket
  | DisconnectPacket;

export type PacketCmd = Packet['cmd'];

export function ack(cmd: AckPacket['cmd'], messageId: number): AckPacket {
  return { cmd, messageId };
}

/** MQTT 3.1.1 §2.3.1: packet identifiers are non-zero 16-bit integers. */
export function nextPacketId(id: number): number {
  return id >= 65535 ? 1 : id + 1;
}
