// Words for what happened: packets, history events and log entries, as a person reads them.
import { unreachable } from '../../models/assert.ts';
import type { HistoryBody } from '../../models/history.ts';
import type { Packet } from '../../models/packets.ts';

export function describePacket(packet: Packet): string {
  switch (packet.cmd) {
    case 'connect':
      return `CONNECT client_id=${packet.clientId} clean_session=${packet.clean}`;
    case 'connack':
      return `CONNACK session_present=${packet.sessionPresent}${packet.returnCode === 0 ? '' : ` rc=${packet.returnCode}`}`;
    case 'publish':
      return `PUBLISH ${packet.payload} qos=${packet.qos}${packet.messageId === undefined ? '' : ` id=${packet.messageId}`}${packet.dup ? ' dup' : ''}`;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return `${packet.cmd.toUpperCase()} id=${packet.messageId}`;
    case 'subscribe':
      return `SUBSCRIBE ${packet.subscriptions.map((s) => `${s.topic} qos=${s.qos}`).join(', ')} id=${packet.messageId}`;
    case 'suback':
      return `SUBACK granted=${packet.granted.join(',')} id=${packet.messageId}`;
    case 'disconnect':
      return 'DISCONNECT';
    default:
      return unreachable(packet);
  }
}

export function describeHistory(event: HistoryBody): string {
  switch (event.kind) {
    case 'publish-invoked':
      return `application publishes m${event.message} (qos ${event.qos})`;
    case 'publish-sent':
      return `library writes m${event.message} to the socket`;
    case 'publish-acked':
      return `application sees m${event.message} acknowledged`;
    case 'subscribed':
      return `subscribed (session present: ${event.sessionPresent})`;
    case 'delivered':
      return `library receives m${event.message}${event.dup ? ' (dup)' : ''}`;
    case 'handling-started':
      return `application starts handling m${event.message}`;
    case 'handled':
      return `application has handled m${event.message}`;
    case 'message-dropped':
      return `drops m${event.message} for ${event.client} (${event.reason})`;
    case 'fault':
      return `FAULT ${event.fault}`;
    case 'restarted':
      return 'restarts';
    default:
      return unreachable(event);
  }
}
