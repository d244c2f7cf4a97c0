import { describe, expect, it } from 'vitest';
import { Driver, testConfig } from './client-test-kit.ts';
import type { ConsumerProfile } from './config.ts';
import { createConsumer, type ConsumerState } from './consumer.ts';
import type { PublishPacket, QoS } from './packets.ts';

function consumer(qos: QoS, profile: ConsumerProfile = 'paho', clean_session = false): Driver<ConsumerState> {
  return new Driver(createConsumer(testConfig({ qos, consumer: { profile, clean_session } })));
}

function publishPacket(message: number, qos: QoS, messageId: number, dup = false): PublishPacket {
  const base = { cmd: 'publish', topic: 'mytesttopic', payload: `m${message}`, qos, dup, retain: false } as const;
  return qos === 0 ? base : { ...base, messageId };
}

/** Connects on `conn`, writes the SUBSCRIBE and takes the SUBACK. */
function subscribed(d: Driver<ConsumerState>, conn: number, sessionPresent = false): void {
  d.connect(conn, sessionPresent);
  d.timer('loop');
  d.packet(conn, { cmd: 'suback', messageId: d.state.client.lastMid, granted: [2] });
}

function kinds(d: Driver<ConsumerState>): string[] {
  return d.history.map((event) => ('message' in event ? `${event.kind} ${event.message}` : event.kind));
}

describe('consumer: connecting', () => {
  it('connects with its client id and clean_session, subscribes after every CONNACK', () => {
    const d = consumer(2);
    expect(d.start()).toEqual([{ kind: 'open' }]);
    d.connected(1);
    expect(d.sent(1)).toEqual([
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'testclient', clean: false, keepalive: 60 },
    ]);
    d.packet(1, { cmd: 'connack', returnCode: 0, sessionPresent: true });
    expect(d.timersSet()).toEqual(['loop']);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mytesttopic', qos: 2 }] }]);
    d.packet(1, { cmd: 'suback', messageId: 1, granted: [2] });
    expect(d.events()).toEqual([{ kind: 'subscribed', node: 'consumer', sessionPresent: true }]);

    d.disconnected(1);
    d.timer('reconnect');
    d.connected(2);
    d.packet(2, { cmd: 'connack', returnCode: 0, sessionPresent: true });
    d.timer('loop');
    expect(d.sent(2)).toMatchObject([{ cmd: 'subscribe', messageId: 2 }]);
  });

  it('go-offline before start: does not connect until go-online', () => {
    const d = consumer(2);
    expect(d.step({ kind: 'go-offline' })).toEqual([]);
    expect(d.start()).toEqual([]);
    expect(d.step({ kind: 'go-online' })).toEqual([{ kind: 'open' }]);
  });

  it('go-offline: DISCONNECT written by the loop, then the socket closes; no reconnect until go-online', () => {
    const d = consumer(2);
    subscribed(d, 1);
    d.step({ kind: 'go-offline' });
    expect(d.timersSet()).toEqual(['loop']);
    d.timer('loop');
    expect(d.effects).toEqual([
      { kind: 'send', conn: 1, packet: { cmd: 'disconnect' } },
      { kind: 'close', conn: 1 },
    ]);
    expect(d.step({ kind: 'go-online' })).toEqual([{ kind: 'open' }]);
  });

  it('go-offline while the connection attempt is under way closes the socket when it comes up', () => {
    const d = consumer(2);
    d.start();
    d.step({ kind: 'go-offline' });
    expect(d.connected(1)).toEqual([{ kind: 'close', conn: 1 }]);
  });
});

describe('consumer paho: QoS 2 (_handle_publish, _handle_pubrel)', () => {
  it('PUBREC at once without handling; handles on PUBREL, then PUBCOMP', () => {
    const d = consumer(2);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    expect(d.events()).toEqual([{ kind: 'delivered', node: 'consumer', message: 1, dup: false, qos: 2 }]);
    expect(d.timersSet()).toEqual(['loop']);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrec', messageId: 7 }]);

    d.packet(1, { cmd: 'pubrel', messageId: 7 });
    expect(d.events()).toEqual([{ kind: 'handling-started', node: 'consumer', message: 1 }]);
    expect(d.effects).toContainEqual({ kind: 'set-timer', timer: 'handling', afterMs: 5 });
    d.timer('handling');
    expect(d.events()).toEqual([{ kind: 'handled', node: 'consumer', message: 1 }]);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubcomp', messageId: 7 }]);
  });

  it('a DUP PUBLISH before PUBREL is answered with PUBREC again and handled once', () => {
    const d = consumer(2);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.timer('loop');
    d.packet(1, publishPacket(1, 2, 7, true));
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrec', messageId: 7 }]);
    d.packet(1, { cmd: 'pubrel', messageId: 7 });
    d.timer('handling');
    expect(kinds(d).filter((kind) => kind.startsWith('handl'))).toEqual(['handling-started 1', 'handled 1']);
  });

  it('crash mid-handling: the resent PUBREL is answered with PUBCOMP and nothing is handled', () => {
    const d = consumer(2);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.timer('loop');
    d.packet(1, { cmd: 'pubrel', messageId: 7 });
    d.crash();
    subscribed(d, 2, true);
    d.packet(2, { cmd: 'pubrel', messageId: 7 });
    expect(d.events()).toEqual([]);
    d.timer('loop');
    expect(d.sent(2)).toEqual([{ cmd: 'pubcomp', messageId: 7 }]);
    expect(kinds(d).filter((kind) => kind.startsWith('handl'))).toEqual(['handling-started 1']);
  });

  it('clean_session false keeps a PUBREC-ed message across a reconnect; PUBREL then handles it', () => {
    const d = consumer(2, 'paho', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.timer('loop');
    d.disconnected(1);
    d.timer('reconnect');
    subscribed(d, 2, true);
    d.packet(2, { cmd: 'pubrel', messageId: 7 });
    expect(d.events()).toEqual([{ kind: 'handling-started', node: 'consumer', message: 1 }]);
  });

  it('clean_session true forgets it at reconnect: PUBREL gets PUBCOMP without handling', () => {
    const d = consumer(2, 'paho', true);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.timer('loop');
    d.disconnected(1);
    d.timer('reconnect');
    subscribed(d, 2);
    d.packet(2, { cmd: 'pubrel', messageId: 7 });
    expect(d.events()).toEqual([]);
    d.timer('loop');
    expect(d.sent(2)).toEqual([{ cmd: 'pubcomp', messageId: 7 }]);
  });
});

describe('consumer paho: QoS 1 and 0', () => {
  it('QoS 1: handle, then PUBACK after the loop', () => {
    const d = consumer(1);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    expect(d.events()).toEqual([
      { kind: 'delivered', node: 'consumer', message: 1, dup: false, qos: 1 },
      { kind: 'handling-started', node: 'consumer', message: 1 },
    ]);
    d.timer('handling');
    expect(d.timersSet()).toEqual(['loop']);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'puback', messageId: 3 }]);
  });

  it('QoS 1: a crash after handled but before the PUBACK is written -> the redelivered PUBLISH is handled again', () => {
    const d = consumer(1);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.timer('handling');
    d.crash();
    subscribed(d, 2, true);
    d.packet(2, publishPacket(1, 1, 3, true));
    d.timer('handling');
    expect(kinds(d).filter((kind) => /deliv|handl/.test(kind))).toEqual([
      'delivered 1',
      'handling-started 1',
      'handled 1',
      'delivered 1',
      'handling-started 1',
      'handled 1',
    ]);
  });

  it('QoS 0: handled, nothing sent', () => {
    const d = consumer(0);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 0, 0));
    d.timer('handling');
    expect(d.kinds()).toEqual(['history:handled']);
  });

  it('a connection lost mid-handling: the handler finishes, its PUBACK is dropped, reconnect waits for the handler', () => {
    const d = consumer(1);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    expect(d.disconnected(1)).toEqual([]);
    d.timer('handling');
    expect(d.effects).toEqual([
      { kind: 'history', event: { kind: 'handled', node: 'consumer', message: 1 } },
      { kind: 'set-timer', timer: 'reconnect', afterMs: 100 },
    ]);
  });
});

describe('consumer: backlog while handling', () => {
  it('reads nothing while the callback runs; then processes the backlog in order', () => {
    const d = consumer(1);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    expect(d.packet(1, publishPacket(2, 1, 4))).toEqual([]);
    expect(d.state.backlog).toHaveLength(1);
    d.timer('handling');
    expect(d.kinds()).toEqual([
      'history:handled',
      'set-timer', // loop, for PUBACK 3
      'history:delivered',
      'history:handling-started',
      'set-timer', // handling of message 2
    ]);
    expect(d.state.backlog).toEqual([]);
    // The loop's turn comes while handler 2 runs: nothing is written until it returns.
    expect(d.timer('loop')).toEqual([]);
    d.timer('handling');
    expect(d.timersSet()).toEqual(['loop']);
    d.timer('loop');
    expect(d.sent(1)).toEqual([
      { cmd: 'puback', messageId: 3 },
      { cmd: 'puback', messageId: 4 },
    ]);
  });

  it('drops the backlog of a connection that is lost', () => {
    const d = consumer(1);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 1, 3));
    d.packet(1, publishPacket(2, 1, 4));
    d.disconnected(1);
    expect(d.state.backlog).toEqual([]);
    d.timer('handling');
    expect(kinds(d).filter((kind) => kind.startsWith('deliv'))).toEqual(['delivered 1']);
  });
});

describe('consumer manual-ack', () => {
  it('QoS 2: handles on PUBLISH, PUBREC after; a DUP PUBLISH is not handled again; PUBREL -> PUBCOMP', () => {
    const d = consumer(2, 'manual-ack');
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    expect(d.events().map((event) => event.kind)).toEqual(['delivered', 'handling-started']);
    expect(d.timersSet()).toEqual(['handling']);
    d.timer('handling');
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrec', messageId: 7 }]);

    d.packet(1, publishPacket(1, 2, 7, true));
    // Recognised by its packet id as one already handled: not a new delivery.
    expect(d.events()).toEqual([]);
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubrec', messageId: 7 }]);

    d.packet(1, { cmd: 'pubrel', messageId: 7 });
    d.timer('loop');
    expect(d.sent(1)).toEqual([{ cmd: 'pubcomp', messageId: 7 }]);
    expect(d.state.stores.awaitingRelease).toEqual([]);
    expect(kinds(d).filter((kind) => kind.startsWith('handl'))).toEqual(['handling-started 1', 'handled 1']);
  });

  it('QoS 2: PUBREC lost with the connection; the DUP PUBLISH after reconnect is acknowledged, not handled', () => {
    const d = consumer(2, 'manual-ack', false);
    subscribed(d, 1);
    d.packet(1, publishPacket(1, 2, 7));
    d.disconnected(1);
    d.timer('handling');
    expect(d.sent()).toEqual([]);
    d.timer('reconnect');
    subscribed(d, 2, true);
    d.packet(2, publishPacket(1, 2, 7, true));
    d.timer('loop');
    expect(d.sent(2)).toEqual([{ cmd: 'pubrec', messageId: 7 }]);
    expect(kinds(d).filter((kind) => kind.startsWith('handl'))).toEqual(['handling-started 1', 'handled 1']);
  });
});
