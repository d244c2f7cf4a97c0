import { describe, expect, it } from 'vitest';
import { ModelInvariantError } from './assert.ts';
import { Driver, testConfig } from './client-test-kit.ts';
import type { ConsumerProfile } from './config.ts';
import { createConsumer, type ConsumerState } from './consumer.ts';
import { receiptSessionLost } from './consumer-receipt.ts';
import type { PublishPacket, QoS } from './packets.ts';

function consumer(qos: QoS, profile: ConsumerProfile, e2e_ack: boolean): Driver<ConsumerState> {
  return new Driver(createConsumer(testConfig({ qos, consumer: { profile, e2e_ack } })));
}

function publishPacket(message: number, qos: QoS, messageId: number, dup = false): PublishPacket {
  const base = { cmd: 'publish', topic: 'mytesttopic', payload: `m${message}`, qos, dup, retain: false } as const;
  return qos === 0 ? base : { ...base, messageId };
}

/** Connects on `conn`, writes the SUBSCRIBE (and any stored replies) and takes the SUBACK. */
function subscribed(d: Driver<ConsumerState>, conn: number, sessionPresent = false): void {
  d.connect(conn, sessionPresent);
  d.timer('loop');
  d.packet(conn, { cmd: 'suback', messageId: (d.sent(conn)[0] as { messageId: number }).messageId, granted: [2] });
}

function kinds(d: Driver<ConsumerState>): string[] {
  return d.history.map((event) => ('message' in event ? `${event.kind} ${event.message}` : event.kind));
}

function handlings(d: Driver<ConsumerState>): string[] {
  return kinds(d).filter((kind) => /deliv|handl/.test(kind));
}

describe('consumer dedup: durable dedup store, acknowledgement after handling', () => {
  it('QoS 2: handles on PUBLISH, commits the id with the side effect, PUBREC after', () => {
    const d = consumer(2, 'dedup', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    expect(d.timersSet()).toEqual(['handling']);
    expect(d.state.dedup).toEqual([]);
    d.timer('handling');
    expect(d.state.dedup).toEqual(['m1']);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrec', messageId: 7 }]);
  });

  it('a crash after the commit, before PUBREC: the redelivered copy is acknowledged, not handled again', () => {
    const d = consumer(2, 'dedup', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.timer('handling');
    d.crash();
    expect(d.state.dedup).toEqual(['m1']);
    subscribed(d, 2, true);
    d.packet(2, publishPacket(1, 2, 7, true));
    // The library cannot know it (its memory is gone): a new delivery; the application can.
    expect(d.events()).toEqual([{ kind: 'delivered', node: 'consumer', message: 1, dup: true, qos: 2 }]);
    d.timer('loop');
    expect(d.sent(2)).toEqual([{ cmd: 'pubrec', messageId: 7 }]);
    d.packet(2, { cmd: 'pubrel', messageId: 7 });
    d.timer('loop');
    expect(d.sent(2)).toEqual([{ cmd: 'pubcomp', messageId: 7 }]);
    expect(handlings(d)).toEqual(['delivered 1', 'handling-started 1', 'handled 1', 'delivered 1']);
  });

  it('a crash during handling commits nothing: the redelivery is handled, once', () => {
    const d = consumer(2, 'dedup', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.crash();
    expect(d.state.dedup).toEqual([]);
    subscribed(d, 2, true);
    d.packet(2, publishPacket(1, 2, 7, true));
    d.timer('handling');
    expect(handlings(d)).toEqual(['delivered 1', 'handling-started 1', 'delivered 1', 'handling-started 1', 'handled 1']);
  });

  it('a copy under a new packet id (published again upstream) is recognised by its application id', () => {
    const d = consumer(1, 'dedup', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.timer('handling');
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'puback', messageId: 3 }]);
    d.packet(1, publishPacket(1, 1, 4));
    expect(d.timersSet()).toEqual(['loop']);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'puback', messageId: 4 }]);
    expect(handlings(d)).toEqual(['delivered 1', 'handling-started 1', 'handled 1', 'delivered 1']);
  });

  it('a copy that arrives while the first is being handled waits, then is recognised', () => {
    const d = consumer(1, 'dedup', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.packet(1, publishPacket(1, 1, 4));
    d.timer('handling');
    d.timer('loop');
    expect(d.sent(1)).toEqual([
      { cmd: 'puback', messageId: 3 },
      { cmd: 'puback', messageId: 4 },
    ]);
    expect(handlings(d)).toEqual(['delivered 1', 'handling-started 1', 'handled 1', 'delivered 1']);
  });

  it('SIGTERM keeps the store; paho and manual-ack keep nothing', () => {
    const d = consumer(0, 'dedup', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 0, 0));
    d.timer('handling');
    d.step({ kind: 'stop' });
    expect(d.state.dedup).toEqual(['m1']);
    const m = consumer(0, 'manual-ack', false);
    subscribed(m, 1);
    m.packet(1, publishPacket(1, 0, 0));
    m.timer('handling');
    m.crash();
    expect(m.state).toEqual(m.model.init());
  });
});

describe('consumer e2e_ack: the reply after handling', () => {
  it('publishes the reply (same payload, reply topic, message QoS) before its acknowledgement', () => {
    const d = consumer(2, 'dedup', true);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.timer('handling');
    d.timer('loop');
    expect(d.sent(1)).toEqual([
      { cmd: 'publish', topic: 'mytesttopic/ack', payload: 'm1', qos: 2, dup: false, retain: false, messageId: 2 },
      { cmd: 'pubrec', messageId: 7 },
    ]);
    // The reply's own QoS 2 flow, as paho's publisher side runs it.
    d.packet(1, { cmd: 'pubrec', messageId: 2 });
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrel', messageId: 2 }]);
    d.packet(1, { cmd: 'pubcomp', messageId: 2 });
    expect(d.state.replies.outMessages).toEqual([]);
    expect(d.state.replies.inflight).toBe(0);
  });

  it('dedup answers a recognised copy with the reply again: the first reply may be what was lost', () => {
    const d = consumer(1, 'dedup', true);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.timer('handling');
    d.timer('loop');
    d.packet(1, publishPacket(1, 1, 4));
    d.timer('loop');
    expect(d.sent(1)).toEqual([
      { cmd: 'publish', topic: 'mytesttopic/ack', payload: 'm1', qos: 1, dup: false, retain: false, messageId: 3 },
      { cmd: 'puback', messageId: 4 },
    ]);
  });

  it('a reply stored without a socket is written after the next CONNACK, after the SUBSCRIBE', () => {
    const d = consumer(1, 'paho', true);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.disconnected(1);
    d.timer('handling');
    expect(d.state.replies.outMessages).toMatchObject([{ payload: 'm1', state: 'publish' }]);
    d.timer('reconnect');
    d.connected(2);
    d.packet(2, { cmd: 'connack', returnCode: 0, sessionPresent: true });
    d.timer('loop');
    expect(d.sent(2)).toMatchObject([{ cmd: 'subscribe' }, { cmd: 'publish', topic: 'mytesttopic/ack', payload: 'm1', dup: false }]);
  });

  it('a paho consumer replies after each handling, duplicates included; a crash forgets unsent replies', () => {
    const d = consumer(1, 'paho', true);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.timer('handling');
    expect(d.state.replies.outMessages).toHaveLength(1);
    d.crash();
    expect(d.state).toEqual(d.model.init());
  });

  it('without e2e_ack the consumer publishes nothing, and an acknowledgement from the broker is a harness bug', () => {
    const d = consumer(1, 'dedup', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.timer('handling');
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'puback', messageId: 3 }]);
    expect(() => d.packet(1, { cmd: 'puback', messageId: 1 })).toThrow(ModelInvariantError);
  });
});

describe('session lost under the consumer', () => {
  it('manual-ack forgets ids held for PUBREL when the broker answers session present 0', () => {
    const stores = { inMessages: [], awaitingRelease: [2, 5] };
    expect(receiptSessionLost('manual-ack', stores).awaitingRelease).toEqual([]);
    expect(receiptSessionLost('dedup', stores).awaitingRelease).toEqual([]);
    // paho 1.x ignores session present and keeps its store.
    expect(receiptSessionLost('paho', stores)).toBe(stores);
  });
});
