import type { BrokerConfig } from '../../models/config.ts';
// Scripted protocol exchanges for the tests of src/real (not a client: the scenario runner
// drives the pure models instead). Each step sends the models' packets and expects the
// broker's answer, so a deviation fails with the packet that came instead.
import type { ConnackPacket, PublishPacket, QoS, SubackPacket } from '../../models/packets.ts';
import { PacketSocket } from './packet-socket.ts';
import type { BrokerControl } from './targets.ts';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface Session {
  readonly socket: PacketSocket;
  readonly connack: ConnackPacket;
}

export async function connectClient(endpoint: Endpoint, clientId: string, clean: boolean): Promise<Session> {
  const socket = await PacketSocket.connect(endpoint.host, endpoint.port, { label: clientId });
  socket.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean, keepalive: 0 });
  const connack = await socket.expect('connack');
  if (connack.returnCode !== 0) throw new Error(`${clientId}: CONNACK return code ${connack.returnCode}`);
  return { socket, connack };
}

export async function subscribe(socket: PacketSocket, topic: string, qos: QoS, messageId: number): Promise<SubackPacket> {
  socket.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] });
  const suback = await socket.expect('suback');
  if (suback.messageId !== messageId) throw new Error(`SUBACK for ${suback.messageId}, expected ${messageId}`);
  return suback;
}

/** MQTT 3.1.1 §4.3.3, sender side: PUBLISH, PUBREC, PUBREL, PUBCOMP. */
export async function publishQos2(socket: PacketSocket, topic: string, payload: string, messageId: number): Promise<void> {
  socket.send({ cmd: 'publish', topic, payload, qos: 2, dup: false, retain: false, messageId });
  const pubrec = await socket.expect('pubrec');
  if (pubrec.messageId !== messageId) throw new Error(`PUBREC for ${pubrec.messageId}, expected ${messageId}`);
  socket.send({ cmd: 'pubrel', messageId });
  const pubcomp = await socket.expect('pubcomp');
  if (pubcomp.messageId !== messageId) throw new Error(`PUBCOMP for ${pubcomp.messageId}, expected ${messageId}`);
}

/** MQTT 3.1.1 §4.3.2, sender side: PUBLISH, PUBACK. */
export async function publishQos1(socket: PacketSocket, topic: string, payload: string, messageId: number): Promise<void> {
  socket.send({ cmd: 'publish', topic, payload, qos: 1, dup: false, retain: false, messageId });
  const puback = await socket.expect('puback');
  if (puback.messageId !== messageId) throw new Error(`PUBACK for ${puback.messageId}, expected ${messageId}`);
}

/** Receiver side of whichever QoS the broker delivers with; acknowledges as MQTT 3.1.1 §4.3 says. */
export async function receive(socket: PacketSocket, timeoutMs?: number): Promise<PublishPacket> {
  const publish = await socket.expect('publish', timeoutMs);
  if (publish.qos === 0) return publish;
  const messageId = publish.messageId;
  if (messageId === undefined) throw new Error(`QoS ${publish.qos} PUBLISH without messageId: ${JSON.stringify(publish)}`);
  if (publish.qos === 1) {
    socket.send({ cmd: 'puback', messageId });
    return publish;
  }
  socket.send({ cmd: 'pubrec', messageId });
  const pubrel = await socket.expect('pubrel', timeoutMs);
  if (pubrel.messageId !== messageId) throw new Error(`PUBREL for ${pubrel.messageId}, expected ${messageId}`);
  socket.send({ cmd: 'pubcomp', messageId });
  return publish;
}

export async function disconnect(socket: PacketSocket): Promise<void> {
  socket.send({ cmd: 'disconnect' });
  await socket.close();
}

/**
 * The QoS 2 exchange end to end: a consumer subscribes at QoS 2, a producer publishes at
 * QoS 2 (PUBLISH/PUBREC/PUBREL/PUBCOMP), the consumer receives and completes its side.
 */
export async function qos2RoundTrip(endpoint: Endpoint, name: string): Promise<{ readonly suback: SubackPacket; readonly received: PublishPacket }> {
  const topic = `mqtt-dst/${name}`;
  const consumer = await connectClient(endpoint, `${name}-consumer`, true);
  const suback = await subscribe(consumer.socket, topic, 2, 1);
  const producer = await connectClient(endpoint, `${name}-producer`, true);
  await publishQos2(producer.socket, topic, `${name}#1`, 7);
  const received = await receive(consumer.socket);
  await disconnect(producer.socket);
  await disconnect(consumer.socket);
  return { suback, received };
}

/** Leaves a persistent consumer session subscribed at QoS 1 and a message queued for it. */
export async function queueForAbsentConsumer(endpoint: Endpoint, name: string): Promise<void> {
  const consumer = await connectClient(endpoint, `${name}-consumer`, false);
  if (consumer.connack.sessionPresent) throw new Error(`${name}: a fresh consumer found a session present`);
  await subscribe(consumer.socket, name, 1, 1);
  await disconnect(consumer.socket);
  const producer = await connectClient(endpoint, `${name}-producer`, true);
  await publishQos1(producer.socket, name, `${name}#1`, 1);
  await disconnect(producer.socket);
}

/** A broker that saves after every change (autosave_on_changes with an interval of 1). */
export const savesEveryChange: BrokerConfig = {
  persistence: true,
  autosave_interval: 1,
  autosave_on_changes: true,
  max_inflight_messages: 20,
  max_queued_messages: 1000,
  queue_qos0_messages: false,
};

/** A BrokerControl that forwards to another (object spread does not copy a class's prototype methods). */
export function delegate(broker: BrokerControl): BrokerControl {
  return {
    name: broker.name,
    host: broker.host,
    port: broker.port,
    controllable: broker.controllable,
    kill: () => broker.kill(),
    stop: () => broker.stop(),
    restart: () => broker.restart(),
    assertHealthy: () => broker.assertHealthy(),
    close: () => broker.close(),
  };
}
