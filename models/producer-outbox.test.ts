import { describe, expect, it } from 'vitest';
import { ModelInvariantError } from './assert.ts';
import { Driver, testConfig } from './client-test-kit.ts';
import type { PublishPacket, QoS } from './packets.ts';
import { createProducer, type ProducerState } from './producer.ts';

const RESEND_MS = 1000;

function outboxProducer(qos: QoS, clean_session = true): Driver<ProducerState> {
  return new Driver(createProducer(testConfig({ qos, producer: { profile: 'outbox', clean_session, resendMs: RESEND_MS }, consumer: { e2e_ack: true } })));
}

function publish(d: Driver<ProducerState>, message: number, qos: QoS) {
  return d.step({ kind: 'publish', message, topic: 'mytesttopic', qos });
}

function reply(message: number, qos: QoS, messageId: number, dup = false): PublishPacket {
  const base = { cmd: 'publish', topic: 'mytesttopic/ack', payload: `m${message}`, qos, dup, retain: false } as const;
  return qos === 0 ? base : { ...base, messageId };
}

function outbox(d: Driver<ProducerState>): string[] {
  return (d.state.app?.outbox ?? []).map((entry) => entry.payload);
}

function kinds(d: Driver<ProducerState>): string[] {
  return d.history.map((event) => ('message' in event ? `${event.kind} ${event.message}` : event.kind));
}

/** Connects on `conn`: on_connect subscribes to the replies (and publishes again what it must); returns what the loop writes. */
function connect(d: Driver<ProducerState>, conn: number) {
  d.connect(conn);
  d.timer('loop');
  return d.sent(conn);
}

describe('producer outbox: the durable outbox', () => {
  it('publish() commits the message first and arms its own resend timer', () => {
    const d = outboxProducer(2);
    d.start();
    publish(d, 1, 2);
    expect(d.events()).toEqual([{ kind: 'publish-invoked', node: 'producer', message: 1, qos: 2 }]);
    expect(d.effects).toContainEqual({ kind: 'set-timer', timer: 'resend m1', afterMs: RESEND_MS });
    expect(outbox(d)).toEqual(['m1']);
    publish(d, 2, 2);
    expect(d.effects).toContainEqual({ kind: 'set-timer', timer: 'resend m2', afterMs: RESEND_MS });
    expect(d.effects).not.toContainEqual(expect.objectContaining({ timer: 'resend m1' }));
    expect(outbox(d)).toEqual(['m1', 'm2']);
  });

  it('subscribes to the reply topic on every connect, before the stored messages are written', () => {
    const d = outboxProducer(2);
    d.start();
    publish(d, 1, 2);
    expect(connect(d, 1)).toEqual([
      { cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'mytesttopic/ack', qos: 2 }] },
      { cmd: 'publish', topic: 'mytesttopic', payload: 'm1', qos: 2, dup: false, retain: false, messageId: 1 },
    ]);
    d.packet(1, { cmd: 'suback', messageId: 2, granted: [2] });
    // The producer is not a consumer: no 'subscribed' event.
    expect(d.events()).toEqual([]);
  });

  it("the library's PUBCOMP is not the acknowledgement; the consumer's reply is", () => {
    const d = outboxProducer(2);
    connect(d, 1);
    publish(d, 1, 2);
    d.timer('loop');
    d.packet(1, { cmd: 'pubrec', messageId: 2 });
    d.timer('loop');
    d.packet(1, { cmd: 'pubcomp', messageId: 2 });
    expect(d.events()).toEqual([]);
    expect(outbox(d)).toEqual(['m1']);
    expect(d.state.outMessages).toEqual([]);

    // The reply at QoS 2, received as paho receives: PUBREC at once, on_message at PUBREL.
    d.packet(1, reply(1, 2, 5));
    expect(d.events()).toEqual([]);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrec', messageId: 5 }]);
    d.packet(1, { cmd: 'pubrel', messageId: 5 });
    expect(d.events()).toEqual([{ kind: 'publish-acked', node: 'producer', message: 1 }]);
    expect(d.effects).toContainEqual({ kind: 'cancel-timer', timer: 'resend m1' });
    expect(outbox(d)).toEqual([]);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubcomp', messageId: 5 }]);
  });

  it('a repeated reply changes nothing but is still acknowledged to the broker', () => {
    const d = outboxProducer(1);
    connect(d, 1);
    publish(d, 1, 1);
    d.timer('loop');
    d.packet(1, reply(1, 1, 5));
    expect(d.events()).toEqual([{ kind: 'publish-acked', node: 'producer', message: 1 }]);
    d.packet(1, reply(1, 1, 6));
    expect(d.events()).toEqual([]);
    d.timer('loop');
    expect(d.sent(1)).toEqual([
      { cmd: 'puback', messageId: 5 },
      { cmd: 'puback', messageId: 6 },
    ]);
  });

  it('a crash keeps the outbox; after restart on_connect publishes it again as a new library message', () => {
    const d = outboxProducer(2);
    connect(d, 1);
    publish(d, 1, 2);
    d.timer('loop');
    expect(d.events()).toEqual([{ kind: 'publish-sent', node: 'producer', message: 1 }]);
    d.crash();
    expect(outbox(d)).toEqual(['m1']);
    expect(d.state.outMessages).toEqual([]);
    d.start();
    expect(d.effects).toContainEqual({ kind: 'set-timer', timer: 'resend m1', afterMs: RESEND_MS });
    expect(connect(d, 2)).toMatchObject([{ cmd: 'subscribe' }, { cmd: 'publish', payload: 'm1', messageId: 2, dup: false }]);
    // publish-sent is the message's first write in the run: not recorded again.
    expect(d.events()).toEqual([]);
  });

  it('SIGTERM keeps the outbox too', () => {
    const d = outboxProducer(1);
    d.start();
    publish(d, 1, 1);
    d.step({ kind: 'stop' });
    expect(outbox(d)).toEqual(['m1']);
  });

  it('on reconnect the library resends what it holds; the application adds only what it does not', () => {
    const d = outboxProducer(2);
    connect(d, 1);
    publish(d, 1, 2);
    publish(d, 2, 2);
    d.timer('loop');
    // m1 is done at the library level, m2 is not.
    d.packet(1, { cmd: 'pubrec', messageId: 2 });
    d.packet(1, { cmd: 'pubcomp', messageId: 2 });
    d.disconnected(1);
    d.timer('reconnect');
    d.connected(2);
    d.packet(2, { cmd: 'connack', returnCode: 0, sessionPresent: false });
    d.timer('loop');
    expect(d.sent(2)).toMatchObject([
      { cmd: 'subscribe' },
      { cmd: 'publish', payload: 'm1', messageId: 5, dup: false },
      { cmd: 'publish', payload: 'm2', messageId: 3, dup: true },
    ]);
  });
});

describe('producer outbox: the resend timers', () => {
  it('publishes again a message the library no longer holds when its period passes; one it still holds is looked at again later', () => {
    const d = outboxProducer(2);
    connect(d, 1);
    publish(d, 1, 2);
    d.timer('loop');
    d.packet(1, { cmd: 'pubrec', messageId: 2 });
    d.packet(1, { cmd: 'pubcomp', messageId: 2 });
    publish(d, 2, 2); // still held by the library when its timer fires
    d.timer('loop');
    d.timer('resend m1');
    expect(d.effects).toContainEqual({ kind: 'set-timer', timer: 'resend m1', afterMs: RESEND_MS });
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'publish', topic: 'mytesttopic', payload: 'm1', qos: 2, dup: false, retain: false, messageId: 4 }]);
    d.timer('resend m2');
    // m2's period passed but the library still holds it: left to the library, looked at again later.
    expect(d.effects.filter((effect) => effect.kind === 'send')).toEqual([]);
    expect(d.state.client.loopArmed).toBe(false);
    expect(d.effects).toContainEqual({ kind: 'set-timer', timer: 'resend m2', afterMs: RESEND_MS });
    expect(kinds(d)).toEqual(['publish-invoked 1', 'publish-sent 1', 'publish-invoked 2', 'publish-sent 2']);
  });

  it("a timer of a message no longer in the outbox is a harness bug (acknowledging cancels it)", () => {
    const d = outboxProducer(1);
    connect(d, 1);
    publish(d, 1, 1);
    d.packet(1, reply(1, 1, 5));
    expect(() => d.timer('resend m1')).toThrow();
  });

  it('a QoS 0 message is published again on every due time until its reply comes', () => {
    const d = outboxProducer(0);
    d.start();
    publish(d, 1, 0); // no socket: paho drops it, the outbox keeps it
    connect(d, 1);
    expect(d.sent(1)).toMatchObject([{ cmd: 'subscribe' }, { cmd: 'publish', payload: 'm1', qos: 0 }]);
    d.timer('resend m1');
    d.timer('loop');
    expect(d.sent(1)).toMatchObject([{ cmd: 'publish', payload: 'm1', qos: 0 }]);
    d.packet(1, reply(1, 0, 0));
    expect(d.events()).toEqual([{ kind: 'publish-acked', node: 'producer', message: 1 }]);
    expect(kinds(d).filter((kind) => kind.startsWith('publish-sent'))).toEqual(['publish-sent 1']);
  });
});

describe('producer paho: still subscribes to nothing', () => {
  it('a PUBLISH from the broker is a harness bug', () => {
    const d = new Driver(createProducer(testConfig({ qos: 1 })));
    d.connect(1);
    expect(() => d.packet(1, reply(1, 1, 5))).toThrow(ModelInvariantError);
  });
});
