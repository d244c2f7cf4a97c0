// paho-mqtt 1.x publish() (src/paho/mqtt/client.py at v1.6.1), shared by every model that
// publishes: the producer's messages and a consumer's end-to-end replies.
import type { ClientConnection, ClientContext } from './client-connection.ts';
import { clientQueue, socketConn, withNextMid } from './client-connection.ts';
import type { OutMessages } from './client-out-messages.ts';
import { outPublish } from './client-out-messages.ts';
import type { Effect } from './node.ts';
import type { PublishPacket, QoS } from './packets.ts';

export interface Published extends OutMessages {
  readonly client: ClientConnection;
}

/**
 * publish(topic, payload, qos): a mid even for QoS 0 (_mid_generate); QoS 0 is written if there
 * is a socket and otherwise dropped (_send_publish returns MQTT_ERR_NO_CONN); QoS 1/2 is stored
 * in _out_messages and queued for writing now, or after the next CONNACK without a socket.
 */
export function pahoPublish(
  ctx: ClientContext,
  before: ClientConnection,
  out: OutMessages,
  topic: string,
  payload: string,
  qos: QoS,
  fx: Effect[],
): Published {
  let client = withNextMid(before);
  const socketOpen = socketConn(client) !== null;
  if (qos === 0) {
    if (!socketOpen) return { client, outMessages: out.outMessages, inflight: out.inflight };
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false };
    return { client: clientQueue(ctx, client, packet, false, fx), outMessages: out.outMessages, inflight: out.inflight };
  }
  const write = outPublish(out, { mid: client.lastMid, topic, payload, qos }, socketOpen);
  for (const packet of write.packets) client = clientQueue(ctx, client, packet, false, fx);
  return { client, outMessages: write.outMessages, inflight: write.inflight };
}
