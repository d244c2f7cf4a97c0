// paho-mqtt 1.x's outgoing QoS 1/2 messages (_out_messages) and their states, verified against
// src/paho/mqtt/client.py at v1.6.1. Pure functions over an insertion-ordered array (paho's
// OrderedDict keyed by mid); unchanged entries are shared, never copied.
import { assert } from './assert.ts';
import type { AckPacket, Packet, PublishPacket } from './packets.ts';
import { ack } from './packets.ts';

/** paho Client.__init__: _max_inflight_messages = 20 (max_inflight_messages_set changes it). */
export const pahoInflightMax = 20;

/** paho's mqtt_ms_* message states that outgoing messages take. */
export type OutMessageState =
  /** Not written on the current connection; _handle_connack writes it. */
  | 'publish'
  /** Beyond max_inflight; _update_inflight writes it when a slot frees. */
  | 'queued'
  | 'wait-puback'
  | 'wait-pubrec'
  | 'wait-pubcomp'
  /** PUBREC was received before the connection dropped; _handle_connack resends PUBREL. */
  | 'resend-pubrel';

export interface OutMessage {
  readonly mid: number;
  readonly topic: string;
  /** The harness's ghost tag; the library carries it as an opaque payload. */
  readonly payload: string;
  readonly qos: 1 | 2;
  readonly state: OutMessageState;
  readonly dup: boolean;
  /** Harness bookkeeping, not paho's: whether a PUBLISH of it was ever written (for publish-sent). */
  readonly written: boolean;
}

export interface OutMessages {
  readonly outMessages: readonly OutMessage[];
  /** paho _inflight_messages. */
  readonly inflight: number;
}

/** What a bookkeeping function wants written, in order, besides the new messages. */
export interface OutWrite extends OutMessages {
  readonly packets: readonly Packet[];
}

export function publishPacketOf(message: OutMessage): PublishPacket {
  return {
    cmd: 'publish',
    topic: message.topic,
    payload: message.payload,
    qos: message.qos,
    dup: message.dup,
    retain: false,
    messageId: message.mid,
  };
}

export function indexOfMid(messages: readonly OutMessage[], mid: number): number {
  for (let i = 0; i < messages.length; i += 1) {
    if ((messages[i] as OutMessage).mid === mid) return i;
  }
  return -1;
}

/** Every message is built here with one fixed shape (spreading with overrides is slow on V8's hot path). */
function outMessage(m: Pick<OutMessage, 'mid' | 'topic' | 'payload' | 'qos'>, state: OutMessageState, dup: boolean, written: boolean): OutMessage {
  return { mid: m.mid, topic: m.topic, payload: m.payload, qos: m.qos, state, dup, written };
}

function replaced(messages: readonly OutMessage[], index: number, message: OutMessage): OutMessage[] {
  const copy = messages.slice();
  copy[index] = message;
  return copy;
}

function appended<T>(items: readonly T[], item: T): T[] {
  const copy = items.slice();
  copy.push(item);
  return copy;
}

function waitState(qos: 1 | 2): OutMessageState {
  return qos === 1 ? 'wait-puback' : 'wait-pubrec';
}

/**
 * publish() for QoS 1/2: store the message; if a slot is free it goes in flight and is queued
 * for writing (_send_publish), unless there is no socket (MQTT_ERR_NO_CONN): then it stays
 * 'publish' for _handle_connack to write.
 */
export function outPublish(out: OutMessages, fresh: Pick<OutMessage, 'mid' | 'topic' | 'payload' | 'qos'>, socketOpen: boolean): OutWrite {
  // publish() refuses a mid still in _out_messages (MQTT_ERR_QUEUE_SIZE); 65535 messages outstanding is beyond any bounded run.
  assert(indexOfMid(out.outMessages, fresh.mid) < 0, () => `packet id ${fresh.mid} still in use: ${JSON.stringify(out)}`);
  if (out.inflight >= pahoInflightMax) {
    return { outMessages: appended(out.outMessages, outMessage(fresh, 'queued', false, false)), inflight: out.inflight, packets: [] };
  }
  if (!socketOpen) {
    return { outMessages: appended(out.outMessages, outMessage(fresh, 'publish', false, false)), inflight: out.inflight, packets: [] };
  }
  const message = outMessage(fresh, waitState(fresh.qos), false, false);
  return { outMessages: appended(out.outMessages, message), inflight: out.inflight + 1, packets: [publishPacketOf(message)] };
}

/**
 * _messages_reconnect_reset_out, run by reconnect() before every new socket. It zeroes
 * _inflight_messages and never counts up again in its loop (the increments are commented out),
 * so every message passes the max_inflight test and none is set back to 'queued'.
 */
export function outReconnectReset(messages: readonly OutMessage[], cleanSession: boolean): OutMessages {
  if (messages.length === 0) return { outMessages: messages, inflight: 0 };
  return { outMessages: messages.map((message) => resetOne(message, cleanSession)), inflight: 0 };
}

function resetOne(message: OutMessage, cleanSession: boolean): OutMessage {
  const { state } = message;
  if (message.qos === 1) {
    // A PUBLISH possibly seen by the broker goes again with DUP (MQTT 3.1.1 §4.4).
    return reset(message, 'publish', message.dup || state === 'wait-puback');
  }
  if (cleanSession) {
    // The broker forgot the session, so the whole flow restarts with PUBLISH — even after
    // PUBREC, which releases the message to subscribers a second time.
    return reset(message, 'publish', message.dup || state !== 'publish');
  }
  if (state === 'wait-pubcomp') return reset(message, 'resend-pubrel', message.dup);
  // paho quirk: a 'resend-pubrel' whose PUBREL was never resent (the connection dropped again
  // before CONNACK) falls in here too and goes back to PUBLISH, without setting DUP.
  return reset(message, 'publish', message.dup || state === 'wait-pubrec');
}

function reset(message: OutMessage, state: OutMessageState, dup: boolean): OutMessage {
  return message.state === state && message.dup === dup ? message : outMessage(message, state, dup, message.written);
}

/**
 * The tail of _handle_connack: in order, write each 'publish' message (PUBLISH with its dup
 * flag) and each 'resend-pubrel' one (PUBREL), counting them in flight; stop at the first
 * 'queued' one. Messages already in a wait state were written before CONNACK and are left alone.
 */
export function outOnConnack(out: OutMessages): OutWrite {
  let messages: OutMessage[] | null = null;
  let inflight = out.inflight;
  const packets: Packet[] = [];
  for (let i = 0; i < out.outMessages.length; i += 1) {
    const message = out.outMessages[i] as OutMessage;
    if (message.state === 'queued') break;
    let next: OutMessage;
    if (message.state === 'publish') {
      next = outMessage(message, waitState(message.qos), message.dup, message.written);
      packets.push(publishPacketOf(next));
    } else if (message.state === 'resend-pubrel') {
      next = outMessage(message, 'wait-pubcomp', message.dup, message.written);
      packets.push(ack('pubrel', message.mid));
    } else {
      continue;
    }
    inflight += 1;
    messages ??= out.outMessages.slice();
    messages[i] = next;
  }
  return { outMessages: messages ?? out.outMessages, inflight, packets };
}

/** _handle_pubrec: a known mid moves to wait-pubcomp and PUBREL is queued; an unknown one is ignored. */
export function outOnPubrec(out: OutMessages, mid: number): OutWrite | null {
  const index = indexOfMid(out.outMessages, mid);
  if (index < 0) return null;
  const message = out.outMessages[index] as OutMessage;
  const next: OutMessage = message.state === 'wait-pubcomp' ? message : outMessage(message, 'wait-pubcomp', message.dup, message.written);
  const pubrel: AckPacket = ack('pubrel', mid);
  return { outMessages: replaced(out.outMessages, index, next), inflight: out.inflight, packets: [pubrel] };
}

/**
 * _handle_pubackcomp -> _do_on_publish: a known mid (PUBACK or PUBCOMP alike; paho does not
 * check which) is removed and its slot freed; _update_inflight then writes queued messages
 * while slots are free. Returns null for an unknown mid, which paho ignores.
 */
export function outOnAck(out: OutMessages, mid: number): (OutWrite & { readonly acked: OutMessage }) | null {
  const index = indexOfMid(out.outMessages, mid);
  if (index < 0) return null;
  const acked = out.outMessages[index] as OutMessage;
  const rest = out.outMessages.slice(0, index).concat(out.outMessages.slice(index + 1));
  const write = updateInflight(rest, out.inflight - 1);
  return { outMessages: write.outMessages, inflight: write.inflight, packets: write.packets, acked };
}

/** _update_inflight: promote 'queued' messages in order while fewer than max_inflight are in flight. */
function updateInflight(messages: OutMessage[], inflightBefore: number): OutWrite {
  let inflight = inflightBefore;
  const packets: Packet[] = [];
  for (let i = 0; i < messages.length && inflight < pahoInflightMax; i += 1) {
    const message = messages[i] as OutMessage;
    if (message.state !== 'queued') continue;
    inflight += 1;
    const next = outMessage(message, waitState(message.qos), message.dup, message.written);
    messages[i] = next;
    packets.push(publishPacketOf(next));
  }
  return { outMessages: messages, inflight, packets };
}

/** Marks the message with this mid written; null when it already was. */
export function outMarkWritten(messages: readonly OutMessage[], mid: number): readonly OutMessage[] | null {
  const index = indexOfMid(messages, mid);
  assert(index >= 0, () => `wrote PUBLISH ${mid} of no stored message: ${JSON.stringify(messages)}`);
  const message = messages[index] as OutMessage;
  return message.written ? null : replaced(messages, index, outMessage(message, message.state, message.dup, true));
}
