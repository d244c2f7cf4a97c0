// A history event is what a node reported plus the virtual time the world saw it at. Every run
// stamps dozens of them, of ten shapes: a spread (`{ ...body, atMs }`) over ten shapes is a
// megamorphic copy, several times slower than building each shape as a literal; likewise asking
// `'message' in body` of ten shapes is slower than a switch on the kind (messageOf).
//
// The fields keep the order of the HistoryBody declarations (models/history.ts), which is the
// order every model writes them in, with atMs last: the event log's JSON, and so every saved
// trace's digest, depends on it (src/trace/saved-traces.test.ts replays them all).
import { unreachable } from '../../models/assert.ts';
import type { MessageId } from '../../models/ghost.ts';
import type { HistoryBody, HistoryEvent } from '../../models/history.ts';

export function stamp(body: HistoryBody, atMs: number): HistoryEvent {
  switch (body.kind) {
    case 'publish-invoked':
      return { kind: body.kind, node: body.node, message: body.message, qos: body.qos, atMs };
    case 'publish-sent':
    case 'publish-acked':
    case 'handling-started':
    case 'handled':
      return { kind: body.kind, node: body.node, message: body.message, atMs };
    case 'subscribed':
      return { kind: body.kind, node: body.node, sessionPresent: body.sessionPresent, atMs };
    case 'delivered':
      return { kind: body.kind, node: body.node, message: body.message, dup: body.dup, qos: body.qos, atMs };
    case 'message-dropped':
      return { kind: body.kind, node: body.node, client: body.client, message: body.message, reason: body.reason, atMs };
    case 'fault':
      return { kind: body.kind, fault: body.fault, node: body.node, atMs };
    case 'restarted':
      return { kind: body.kind, node: body.node, atMs };
    default:
      return unreachable(body);
  }
}

/** The message a history event is about, if any: by kind, so that the read sees one shape per branch. */
export function messageOf(body: HistoryBody): MessageId | undefined {
  switch (body.kind) {
    case 'publish-invoked':
    case 'publish-sent':
    case 'publish-acked':
    case 'delivered':
    case 'handling-started':
    case 'handled':
    case 'message-dropped':
      return body.message;
    case 'subscribed':
    case 'fault':
    case 'restarted':
      return undefined;
    default:
      return unreachable(body);
  }
}
