import { describe, expect, it } from 'vitest';
import { Driver, testConfig } from './client-test-kit.ts';
import type { QoS } from './packets.ts';
import { createProducer, type ProducerState } from './producer.ts';

function producer(qos: QoS, clean_session = true): Driver<ProducerState> {
  return new Driver(createProducer(testConfig({ qos, producer: { clean_session } })));
}

function publish(d: Driver<ProducerState>, message: number, qos: QoS) {
  return d.step({ kind: 'publish', message, topic: 'mytesttopic', qos });
}

/** Connected producer that published message 1 and wrote its PUBLISH (mid 1) on connection 1. */
function written(qos: QoS, clean_session = true): Driver<ProducerState> {
  const d = producer(qos, clean_session);
  d.connect(1);
  publish(d, 1, qos);
  d.timer('loop');
  return d;
}

/** Drops connection `from` (unless null: already dropped) and reconnects on `to`; returns what the loop then writes. */
function reconnect(d: Driver<ProducerState>, from: number | null, to: number) {
  if (from !== null) {
    d.disconnected(from);
    expect(d.timersSet()).toEqual(['reconnect']);
  }
  expect(d.timer('reconnect')).toEqual([{ kind: 'open' }]);
  d.connected(to);
  d.packet(to, { cmd: 'connack', returnCode: 0, sessionPresent: false });
  if (!d.state.client.loopArmed) return [];
  d.timer('loop');
  return d.sent(to);
}

describe('producer: connecting', () => {
  it('opens on start, sends CONNECT when the socket is up, then waits for CONNACK', () => {
    const d = producer(1);
    expect(d.start()).toEqual([{ kind: 'open' }]);
    d.connected(1);
    expect(d.sent(1)).toEqual([
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'producer', clean: true, keepalive: 60 },
    ]);
    expect(d.packet(1, { cmd: 'connack', returnCode: 0, sessionPresent: false })).toEqual([]);
    expect(d.state.client.link).toEqual({ kind: 'up', conn: 1, sessionPresent: false });
  });

  it('retries a refused connection after reconnectDelayMs', () => {
    const d = producer(1);
    d.start();
    d.disconnected(7); // never connected: the broker is down
    expect(d.effects).toEqual([{ kind: 'set-timer', timer: 'reconnect', afterMs: 100 }]);
    expect(d.timer('reconnect')).toEqual([{ kind: 'open' }]);
    d.connected(8);
    expect(d.sent(8)[0]?.cmd).toBe('connect');
  });

  it('ignores a second notice for a connection already gone', () => {
    const d = producer(1);
    d.connect(1);
    d.disconnected(1);
    d.timer('reconnect');
    d.connected(2);
    expect(d.disconnected(1)).toEqual([]);
    expect(d.state.client.link).toEqual({ kind: 'connecting', conn: 2 });
  });

  it('retries after a CONNACK refusal', () => {
    const d = producer(1);
    d.start();
    d.connected(1);
    d.packet(1, { cmd: 'connack', returnCode: 3, sessionPresent: false });
    expect(d.kinds()).toEqual(['close', 'set-timer']);
  });
});

describe('producer: flows', () => {
  it('QoS 0: written by the loop without a packet id, no acknowledgement event', () => {
    const d = producer(0);
    d.connect(1);
    publish(d, 1, 0);
    expect(d.events()).toEqual([{ kind: 'publish-invoked', node: 'producer', message: 1, qos: 0 }]);
    expect(d.effects).toContainEqual({ kind: 'set-timer', timer: 'loop', afterMs: 1 });
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'publish', topic: 'mytesttopic', payload: 'm1', qos: 0, dup: false, retain: false }]);
    expect(d.events()).toEqual([{ kind: 'publish-sent', node: 'producer', message: 1 }]);
    expect(d.state.outMessages).toEqual([]);
  });

  it('QoS 0 published without a socket is dropped (publish() returns MQTT_ERR_NO_CONN)', () => {
    const d = producer(0);
    d.start();
    publish(d, 1, 0);
    d.connected(1);
    d.packet(1, { cmd: 'connack', returnCode: 0, sessionPresent: false });
    expect(d.effects).toEqual([]);
    expect(d.history.map((event) => event.kind)).toEqual(['publish-invoked']);
  });

  it('QoS 1: PUBLISH, PUBACK -> publish-acked', () => {
    const d = written(1);
    expect(d.sent(1)).toEqual([{ cmd: 'publish', topic: 'mytesttopic', payload: 'm1', qos: 1, dup: false, retain: false, messageId: 1 }]);
    expect(d.events()).toEqual([{ kind: 'publish-sent', node: 'producer', message: 1 }]);
    d.packet(1, { cmd: 'puback', messageId: 1 });
    expect(d.events()).toEqual([{ kind: 'publish-acked', node: 'producer', message: 1 }]);
    expect(d.state).toMatchObject({ outMessages: [], inflight: 0 });
  });

  it('QoS 2: PUBLISH, PUBREC -> PUBREL (via the loop), PUBCOMP -> publish-acked', () => {
    const d = written(2);
    expect(d.sent(1)).toMatchObject([{ cmd: 'publish', qos: 2, messageId: 1, dup: false }]);
    d.packet(1, { cmd: 'pubrec', messageId: 1 });
    expect(d.timersSet()).toEqual(['loop']);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrel', messageId: 1 }]);
    d.packet(1, { cmd: 'pubcomp', messageId: 1 });
    expect(d.events()).toEqual([{ kind: 'publish-acked', node: 'producer', message: 1 }]);
  });

  it('writes a PUBLISH before CONNACK once the socket is open, as paho does', () => {
    const d = producer(1);
    d.start();
    d.connected(1);
    publish(d, 1, 1);
    d.timer('loop');
    expect(d.sent(1)).toMatchObject([{ cmd: 'publish', messageId: 1 }]);
    d.packet(1, { cmd: 'connack', returnCode: 0, sessionPresent: false });
    expect(d.effects).toEqual([]); // already in flight: not written again
  });

  it('bounds messages in flight by paho max_inflight (20); the next goes when one is acknowledged', () => {
    const d = producer(1);
    d.connect(1);
    for (let message = 1; message <= 21; message += 1) publish(d, message, 1);
    d.timer('loop');
    expect(d.sent(1)).toHaveLength(20);
    expect(d.state.inflight).toBe(20);
    d.packet(1, { cmd: 'puback', messageId: 1 });
    d.timer('loop');
    expect(d.sent(1)).toMatchObject([{ cmd: 'publish', messageId: 21, payload: 'm21' }]);
  });

  it('ignores an acknowledgement for an unknown packet id', () => {
    const d = written(1);
    expect(d.packet(1, { cmd: 'puback', messageId: 9 })).toEqual([]);
  });
});

describe('producer: memory only', () => {
  it('loses a message still waiting for the loop when it crashes ("exit before the loop ran")', () => {
    const d = producer(1);
    d.connect(1);
    publish(d, 1, 1);
    d.crash();
    expect(d.state).toEqual(d.model.init());
    d.connect(2);
    expect(d.effects).toEqual([]);
    expect(d.history.map((event) => event.kind)).toEqual(['publish-invoked']);
  });

  it('keeps a message published while disconnected and writes it after CONNACK', () => {
    const d = producer(1);
    d.connect(1);
    d.disconnected(1);
    publish(d, 1, 1);
    expect(d.effects.filter((effect) => effect.kind !== 'history')).toEqual([]);
    const sent = reconnect(d, null, 2);
    expect(sent).toMatchObject([{ cmd: 'publish', messageId: 1, dup: false }]);
  });
});

describe('producer: reconnect (_messages_reconnect_reset_out)', () => {
  it('QoS 1 in flight: PUBLISH again with DUP', () => {
    const d = written(1);
    expect(reconnect(d, 1, 2)).toMatchObject([{ cmd: 'publish', messageId: 1, dup: true, payload: 'm1' }]);
    expect(d.events()).toEqual([]); // publish-sent only on the first write
  });

  it('QoS 1 queued but never written: still PUBLISH with DUP (paho sets DUP by state, not by write)', () => {
    const d = producer(1);
    d.connect(1);
    publish(d, 1, 1);
    expect(reconnect(d, 1, 2)).toMatchObject([{ cmd: 'publish', messageId: 1, dup: true }]);
    expect(d.events()).toEqual([{ kind: 'publish-sent', node: 'producer', message: 1 }]);
  });

  it('QoS 2, clean_session true, after PUBREC: PUBLISH again with DUP, not PUBREL', () => {
    const d = written(2, true);
    d.packet(1, { cmd: 'pubrec', messageId: 1 });
    d.timer('loop');
    expect(reconnect(d, 1, 2)).toMatchObject([{ cmd: 'publish', messageId: 1, dup: true }]);
  });

  it('QoS 2, clean_session false, after PUBREC: PUBREL again', () => {
    const d = written(2, false);
    d.packet(1, { cmd: 'pubrec', messageId: 1 });
    d.timer('loop');
    expect(reconnect(d, 1, 2)).toEqual([{ cmd: 'pubrel', messageId: 1 }]);
    d.packet(2, { cmd: 'pubcomp', messageId: 1 });
    expect(d.events()).toEqual([{ kind: 'publish-acked', node: 'producer', message: 1 }]);
  });

  it('QoS 2, clean_session false, before PUBREC: PUBLISH again with DUP', () => {
    const d = written(2, false);
    expect(reconnect(d, 1, 2)).toMatchObject([{ cmd: 'publish', messageId: 1, dup: true }]);
  });

  it('QoS 2, clean_session false: a PUBREL resend cut off before CONNACK turns back into PUBLISH (paho quirk)', () => {
    const d = written(2, false);
    d.packet(1, { cmd: 'pubrec', messageId: 1 });
    d.disconnected(1);
    d.timer('reconnect');
    d.connected(2);
    d.disconnected(2); // before CONNACK: the message stays 'resend-pubrel'
    expect(d.state.outMessages).toMatchObject([{ state: 'resend-pubrel' }]);
    d.timer('reconnect');
    d.connected(3);
    d.packet(3, { cmd: 'connack', returnCode: 0, sessionPresent: true });
    d.timer('loop');
    expect(d.sent(3)).toMatchObject([{ cmd: 'publish', messageId: 1, dup: false }]);
  });

  it('QoS 0 is never resent', () => {
    const d = written(0);
    expect(reconnect(d, 1, 2)).toEqual([]);
  });
});
