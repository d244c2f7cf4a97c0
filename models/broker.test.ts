import { describe, expect, it } from 'vitest';
import { ModelInvariantError } from './assert.ts';
import { AEDES_FORWARD_TIMERS, AEDES_PUBREL_TIMER, AEDES_RESEND_TIMER, AEDES_RESUME_TIMER } from './broker-aedes.ts';
import { AUTOSAVE_TIMER, createBroker, type BrokerState } from './broker.ts';
import type { BrokerConfig } from './config.ts';
import { ghostPayload } from './ghost.ts';
import type { ConnId, Effect, NodeInput } from './node.ts';
import type { Packet, PublishPacket, QoS } from './packets.ts';
import { topicMatches } from './topic-match.ts';

const TOPIC = 't';
const PRODUCER = 1;
const CONSUMER = 2;

function brokerConfig(overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  return {
    persistence: true,
    autosave_interval: 1800,
    autosave_on_changes: false,
    max_inflight_messages: 20,
    max_queued_messages: 1000,
    queue_qos0_messages: false,
    ...overrides,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Drives one broker by calling step directly. Every state is deep-frozen before the next step, so
 * a step that mutated a previous state would throw; every state must survive a JSON round trip.
 */
function drive(overrides: Partial<BrokerConfig> = {}) {
  const config = brokerConfig(overrides);
  const broker = createBroker(config);
  let state: BrokerState = deepFreeze(broker.init());
  let nowMs = 0;

  function step(input: NodeInput): readonly Effect[] {
    const result = broker.step(state, input, nowMs);
    expect(JSON.parse(JSON.stringify(result.state))).toEqual(result.state);
    state = deepFreeze(result.state);
    nowMs += 1;
    return result.effects;
  }
  const packet = (conn: ConnId, p: Packet) => step({ kind: 'packet', conn, packet: p });
  const d = {
    config,
    broker,
    get state() {
      return state;
    },
    step,
    start: () => step({ kind: 'start' }),
    crash() {
      state = deepFreeze(broker.crash(state));
    },
    connect(conn: ConnId, clientId: string, clean: boolean) {
      step({ kind: 'connected', conn });
      return packet(conn, { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean, keepalive: 60 });
    },
    subscribe: (conn: ConnId, topic: string, qos: QoS) => packet(conn, { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] }),
    publish(conn: ConnId, message: number, qos: QoS, messageId = message, topic = TOPIC) {
      const p: PublishPacket =
        qos === 0
          ? { cmd: 'publish', topic, payload: ghostPayload(message), qos, dup: false, retain: false }
          : { cmd: 'publish', topic, payload: ghostPayload(message), qos, dup: false, retain: false, messageId };
      return packet(conn, p);
    },
    ack: (conn: ConnId, cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', messageId: number) => packet(conn, { cmd, messageId }),
    disconnect: (conn: ConnId) => packet(conn, { cmd: 'disconnect' }),
    dropped: (conn: ConnId) => step({ kind: 'disconnected', conn }),
  };
  return d;
}

/** A running broker with the consumer 'c' subscribed at `qos` (persistent unless told) and the producer 'p' connected. */
function withClients(qos: QoS, overrides: Partial<BrokerConfig> = {}, consumerClean = false) {
  const d = drive(overrides);
  d.start();
  d.connect(CONSUMER, 'c', consumerClean);
  d.subscribe(CONSUMER, TOPIC, qos);
  d.connect(PRODUCER, 'p', true);
  return d;
}

const sends = (effects: readonly Effect[], conn: ConnId) =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.conn === conn ? [effect.packet] : []));

/** A compact view of packets: 'publish m1 q1 #3 dup', 'puback #3', 'connack present'. */
function show(packets: readonly Packet[]): string[] {
  return packets.map((p) => {
    switch (p.cmd) {
      case 'publish':
        return `publish ${p.payload} q${p.qos}${p.messageId === undefined ? '' : ` #${p.messageId}`}${p.dup ? ' dup' : ''}`;
      case 'puback':
      case 'pubrec':
      case 'pubrel':
      case 'pubcomp':
        return `${p.cmd} #${p.messageId}`;
      case 'connack':
        return `connack${p.sessionPresent ? ' present' : ''}`;
      case 'suback':
        return `suback ${p.granted.join(',')}`;
      default:
        return p.cmd;
    }
  });
}

const drops = (effects: readonly Effect[]) =>
  effects.flatMap((effect) => (effect.kind === 'history' && effect.event.kind === 'message-dropped' ? [effect.event] : []));

describe('topicMatches (MQTT 3.1.1 §4.7)', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a/', true],
    ['+/+', '/x', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['ab', 'a', false],
  ] as const)('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('QoS flows', () => {
  it.each([
    { qos: 0 as QoS, producerSees: [], consumerGets: ['publish m1 q0'] },
    { qos: 1 as QoS, producerSees: ['puback #7'], consumerGets: ['publish m1 q1 #1'] },
    { qos: 2 as QoS, producerSees: ['pubrec #7'], consumerGets: [] },
  ])('incoming QoS $qos PUBLISH', ({ qos, producerSees, consumerGets }) => {
    const d = withClients(2);
    const effects = d.publish(PRODUCER, 1, qos, 7);
    expect(show(sends(effects, PRODUCER))).toEqual(producerSees);
    expect(show(sends(effects, CONSUMER))).toEqual(consumerGets);
  });

  it('QoS 1 to the consumer: PUBACK completes it', () => {
    const d = withClients(1);
    d.publish(PRODUCER, 1, 1);
    expect(d.state.sessions['c']?.inflight).toHaveLength(1);
    expect(d.ack(CONSUMER, 'puback', 1)).toEqual([]);
    expect(d.state.sessions['c']?.inflight).toHaveLength(0);
  });

  it('QoS 2 is held until PUBREL, then released and PUBCOMPed; the outgoing flow runs PUBREC/PUBREL/PUBCOMP', () => {
    const d = withClients(2);
    d.publish(PRODUCER, 1, 2, 7);
    expect(d.state.sessions['p']?.incoming).toEqual([{ packetId: 7, qos: 2, topic: TOPIC, payload: 'm1' }]);
    const released = d.ack(PRODUCER, 'pubrel', 7);
    expect(show(sends(released, CONSUMER))).toEqual(['publish m1 q2 #1']);
    expect(show(sends(released, PRODUCER))).toEqual(['pubcomp #7']);
    expect(d.state.sessions['p']?.incoming).toEqual([]);
    expect(show(sends(d.ack(CONSUMER, 'pubrec', 1), CONSUMER))).toEqual(['pubrel #1']);
    expect(d.state.sessions['c']?.inflight[0]?.phase).toBe('wait-pubcomp');
    expect(d.ack(CONSUMER, 'pubcomp', 1)).toEqual([]);
    expect(d.state.sessions['c']?.inflight).toEqual([]);
  });

  it('aedes-1.2 profile: an incoming QoS 2 message is forwarded on PUBLISH (Method A), a held id only PUBREC\'d again, PUBREL only forgets it', () => {
    const d = withClients(2, { profile: 'aedes-1.2', max_inflight_messages: 1, max_queued_messages: 1000 });
    const first = d.publish(PRODUCER, 1, 2, 7);
    expect(show(sends(first, PRODUCER))).toEqual(['pubrec #7']);
    // The forward is written once the store has answered (broker-aedes.ts AEDES_FORWARD_TIMERS).
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_FORWARD_TIMERS[2] }), CONSUMER))).toEqual(['publish m1 q2 #1']);
    expect(show(sends(d.publish(PRODUCER, 1, 2, 7), CONSUMER))).toEqual([]);
    // No receive quota: a second message while one is held is taken (it is queued for the consumer).
    d.publish(PRODUCER, 2, 2, 8);
    expect(d.state.sessions['p']?.incoming.map((m) => m.payload)).toEqual(['m1', 'm2']);
    const released = d.ack(PRODUCER, 'pubrel', 7);
    expect(show(sends(released, PRODUCER))).toEqual(['pubcomp #7']);
    expect(show(sends(released, CONSUMER))).toEqual([]);
  });

  it('delivery QoS is min(publish QoS, granted QoS)', () => {
    const d = withClients(1);
    d.publish(PRODUCER, 1, 2, 7);
    expect(show(sends(d.ack(PRODUCER, 'pubrel', 7), CONSUMER))).toEqual(['publish m1 q1 #1']);
  });

  it('a resent QoS 2 PUBLISH with a held id is answered with PUBREC and neither stored nor released twice', () => {
    const d = withClients(2);
    d.publish(PRODUCER, 1, 2, 7);
    const again = d.publish(PRODUCER, 1, 2, 7);
    expect(show(sends(again, PRODUCER))).toEqual(['pubrec #7']);
    expect(d.state.sessions['p']?.incoming).toHaveLength(1);
    expect(show(sends(d.ack(PRODUCER, 'pubrel', 7), CONSUMER))).toEqual(['publish m1 q2 #1']);
    expect(show(sends(d.ack(PRODUCER, 'pubrel', 7), CONSUMER))).toEqual([]);
  });

  it('a different message under a held id drops the held one ("Reused message ID", handle_publish.c)', () => {
    const d = withClients(2);
    d.publish(PRODUCER, 1, 2, 7);
    d.publish(PRODUCER, 2, 2, 7);
    expect(d.state.sessions['p']?.incoming.map((m) => m.payload)).toEqual(['m2']);
    expect(show(sends(d.ack(PRODUCER, 'pubrel', 7), CONSUMER))).toEqual(['publish m2 q2 #1']);
  });

  it('PUBREL for an unknown id is answered with PUBCOMP (§4.3.3, handle_pubrel.c)', () => {
    const d = withClients(2);
    expect(show(sends(d.ack(PRODUCER, 'pubrel', 42), PRODUCER))).toEqual(['pubcomp #42']);
  });

  it('PUBREC for an unknown id is answered with PUBREL (handle_pubrec.c)', () => {
    const d = withClients(2);
    expect(show(sends(d.ack(CONSUMER, 'pubrec', 42), CONSUMER))).toEqual(['pubrel #42']);
  });

  it('a client that never subscribed gets nothing', () => {
    const d = withClients(2);
    d.connect(3, 'bystander', false);
    const effects = d.publish(PRODUCER, 1, 1);
    expect(sends(effects, 3)).toEqual([]);
    expect(d.state.sessions['bystander']?.inflight).toEqual([]);
  });

  it('the publisher gets its own message when it is subscribed (no no-local in 3.1.1)', () => {
    const d = withClients(1);
    d.subscribe(PRODUCER, '#', 1);
    expect(show(sends(d.publish(PRODUCER, 1, 1, 9), PRODUCER))).toEqual(['publish m1 q1 #1', 'puback #9']);
  });

  it('SUBACK grants the requested QoS; subscribing again replaces the QoS', () => {
    const d = withClients(0);
    expect(show(sends(d.subscribe(CONSUMER, TOPIC, 2), CONSUMER))).toEqual(['suback 2']);
    expect(d.state.sessions['c']?.subscriptions).toEqual([{ topic: TOPIC, qos: 2 }]);
  });
});

describe('offline sessions', () => {
  it.each([
    { qos: 0 as QoS, queue_qos0_messages: false, queued: 0, dropped: ['qos0-offline'] },
    { qos: 0 as QoS, queue_qos0_messages: true, queued: 1, dropped: [] },
    { qos: 1 as QoS, queue_qos0_messages: false, queued: 1, dropped: [] },
    { qos: 2 as QoS, queue_qos0_messages: false, queued: 1, dropped: [] },
  ])('a persistent session away queues QoS $qos: $queued (queue_qos0_messages $queue_qos0_messages)', ({ qos, queue_qos0_messages, queued, dropped }) => {
    const d = withClients(qos, { queue_qos0_messages });
    d.disconnect(CONSUMER);
    d.publish(PRODUCER, 1, qos);
    const effects = qos === 2 ? d.ack(PRODUCER, 'pubrel', 1) : d.publish(PRODUCER, 2, qos, 2);
    if (qos !== 2) expect(drops(effects).map((e) => e.reason)).toEqual(dropped);
    expect(d.state.sessions['c']?.queued.length).toBe(qos === 2 ? queued : queued * 2);
    const back = d.connect(4, 'c', false);
    expect(show(sends(back, 4))[0]).toBe('connack present');
    expect(sends(back, 4).filter((p) => p.cmd === 'publish')).toHaveLength(qos === 2 ? queued : queued * 2);
  });

  it('a clean session is discarded at disconnect: reconnecting finds nothing', () => {
    const d = withClients(1, {}, true);
    d.dropped(CONSUMER);
    expect(d.state.sessions['c']).toBeUndefined();
    d.publish(PRODUCER, 1, 1);
    expect(show(sends(d.connect(4, 'c', false), 4))).toEqual(['connack']);
  });

  it('connecting with clean_session=1 discards a stored persistent session', () => {
    const d = withClients(1);
    d.disconnect(CONSUMER);
    d.publish(PRODUCER, 1, 1);
    expect(show(sends(d.connect(4, 'c', true), 4))).toEqual(['connack']);
    expect(d.state.sessions['c']?.subscriptions).toEqual([]);
  });

  it('with max_inflight_messages 1 later messages wait in the queue until the PUBACK', () => {
    const d = withClients(1, { max_inflight_messages: 1 });
    expect(show(sends(d.publish(PRODUCER, 1, 1), CONSUMER))).toEqual(['publish m1 q1 #1']);
    expect(show(sends(d.publish(PRODUCER, 2, 1), CONSUMER))).toEqual([]);
    expect(show(sends(d.publish(PRODUCER, 3, 1), CONSUMER))).toEqual([]);
    expect(d.state.sessions['c']?.queued.map((m) => m.payload)).toEqual(['m2', 'm3']);
    expect(show(sends(d.ack(CONSUMER, 'puback', 1), CONSUMER))).toEqual(['publish m2 q1 #2']);
    expect(show(sends(d.ack(CONSUMER, 'puback', 2), CONSUMER))).toEqual(['publish m3 q1 #3']);
  });

  // Measured on Debian's mosquitto 2.0.11-1.2+deb12u2 (CVE-2023-28366 fix): one client
  // publishing back to back; the log shows "Sending PUBREC to pub (m2, rc151)" for the dropped ones.
  describe('receive quota: a publisher with max_inflight_messages unreleased QoS 2 messages', () => {
    it('gets later QoS 1/2 PUBLISHes acknowledged and dropped, whatever max_queued_messages', () => {
      const d = withClients(2, { max_inflight_messages: 1, max_queued_messages: 1000 });
      expect(show(sends(d.publish(PRODUCER, 1, 2), PRODUCER))).toEqual(['pubrec #1']);
      expect(show(sends(d.publish(PRODUCER, 2, 2), PRODUCER))).toEqual(['pubrec #2']);
      expect(d.state.sessions['p']?.incoming.map((m) => m.payload)).toEqual(['m1']);
      const qos1 = d.publish(PRODUCER, 3, 1);
      expect(show(sends(qos1, PRODUCER))).toEqual(['puback #3']);
      expect(show(sends(qos1, CONSUMER))).toEqual([]);
      // That PUBACK gave a quota back (send__puback), so the next QoS 2 message is taken.
      d.publish(PRODUCER, 4, 2);
      expect(d.state.sessions['p']?.incoming.map((m) => m.payload)).toEqual(['m1', 'm4']);
      // PUBCOMP gives one back even for the dropped m2's id, never beyond the maximum.
      expect(show(sends(d.ack(PRODUCER, 'pubrel', 2), PRODUCER))).toEqual(['pubcomp #2']);
      expect(d.state.sessions['p']?.receiveQuota).toBe(1);
      expect(show(sends(d.ack(PRODUCER, 'pubrel', 1), CONSUMER))).toEqual(['publish m1 q2 #1']);
      expect(d.state.sessions['p']?.receiveQuota).toBe(1);
    });

    it('with max_queued_messages 0 has its connection closed after the acknowledgement', () => {
      const d = withClients(2, { max_inflight_messages: 1, max_queued_messages: 0 });
      d.publish(PRODUCER, 1, 2);
      const effects = d.publish(PRODUCER, 2, 2);
      expect(show(sends(effects, PRODUCER))).toEqual(['pubrec #2']);
      expect(effects).toContainEqual({ kind: 'close', conn: PRODUCER });
    });

    it('is unlimited with max_inflight_messages 0, and at a resume starts below the maximum by what is held', () => {
      const unlimited = withClients(2, { max_inflight_messages: 0 });
      for (const message of [1, 2, 3]) unlimited.publish(PRODUCER, message, 2);
      expect(unlimited.state.sessions['p']?.incoming).toHaveLength(3);
      const d = drive({ max_inflight_messages: 2 });
      d.start();
      d.connect(PRODUCER, 'p', false);
      d.publish(PRODUCER, 1, 2);
      d.dropped(PRODUCER);
      d.connect(3, 'p', false);
      expect(d.state.sessions['p']?.receiveQuota).toBe(1);
    });
  });

  it('a full queue drops the newest message for that client while the publisher still gets PUBACK/PUBREC', () => {
    const d = withClients(2, { max_inflight_messages: 1, max_queued_messages: 1 });
    const outcomes = [1, 2, 3].map((message) => {
      const rec = d.publish(PRODUCER, message, 2);
      const comp = d.ack(PRODUCER, 'pubrel', message);
      return { rec: show(sends(rec, PRODUCER)), comp: show(sends(comp, PRODUCER)), dropped: drops(comp) };
    });
    expect(outcomes.map((o) => o.rec)).toEqual([['pubrec #1'], ['pubrec #2'], ['pubrec #3']]);
    expect(outcomes.map((o) => o.comp)).toEqual([['pubcomp #1'], ['pubcomp #2'], ['pubcomp #3']]);
    expect(outcomes.map((o) => o.dropped)).toEqual([[], [], [{ kind: 'message-dropped', node: 'broker', client: 'c', message: 3, reason: 'queue-full' }]]);
    // The dropped message still used a packet id (subs__send takes it before db__message_insert).
    expect(d.state.sessions['c']?.lastPacketId).toBe(3);
  });

  // Observed on mosquitto 2.0.11: m3 never reached the consumer, the producer got PUBACK 3.
  it('for a client that is away, in-flight messages count against max_queued_messages (db__ready_for_queue)', () => {
    const d = withClients(1, { max_inflight_messages: 1, max_queued_messages: 1 });
    d.publish(PRODUCER, 1, 1); // in flight
    d.publish(PRODUCER, 2, 1); // queued: 2 held - 1 in-flight allowance < 1? no: 1 - 1 = 0 < 1
    d.dropped(CONSUMER);
    const effects = d.publish(PRODUCER, 3, 1); // away: 2 held - 0 < 1 fails
    expect(drops(effects).map((e) => e.message)).toEqual([3]);
  });

  it('on reconnect: PUBREL for messages awaiting PUBCOMP, PUBLISH with DUP for the rest, in list order, then the queue', () => {
    const d = withClients(2, { max_inflight_messages: 2 });
    for (const message of [1, 2, 3]) {
      d.publish(PRODUCER, message, 2);
      d.ack(PRODUCER, 'pubrel', message);
    }
    d.ack(CONSUMER, 'pubrec', 1); // m1 awaits PUBCOMP, m2 awaits PUBREC, m3 is queued
    d.dropped(CONSUMER);
    const back = d.connect(4, 'c', false);
    expect(show(sends(back, 4))).toEqual(['connack present', 'pubrel #1', 'publish m2 q2 #2 dup']);
    expect(show(sends(d.ack(4, 'pubcomp', 1), 4))).toEqual(['publish m3 q2 #3']);
  });

  it('QoS 1 messages in flight are resent with DUP on reconnect', () => {
    const d = withClients(1);
    d.publish(PRODUCER, 1, 1);
    d.dropped(CONSUMER);
    expect(show(sends(d.connect(4, 'c', false), 4))).toEqual(['connack present', 'publish m1 q1 #1 dup']);
  });

  it('no retry within a connection: nothing is resent until the client reconnects', () => {
    const d = withClients(1);
    d.publish(PRODUCER, 1, 1);
    expect(sends(d.subscribe(CONSUMER, TOPIC, 1), CONSUMER).filter((p) => p.cmd === 'publish')).toEqual([]);
  });

  // Observed on mosquitto 2.0.11: PUBACK of m1 with max_inflight_messages 2 released m3 and m4.
  it('acknowledging the oldest of several in-flight messages overfills the window (db__message_delete_outgoing msg_index)', () => {
    const d = withClients(1, { max_inflight_messages: 2 });
    for (const message of [1, 2, 3, 4]) d.publish(PRODUCER, message, 1);
    expect(show(sends(d.ack(CONSUMER, 'puback', 1), CONSUMER))).toEqual(['publish m3 q1 #3', 'publish m4 q1 #4']);
    expect(d.state.sessions['c']?.inflight).toHaveLength(3);
  });
});

describe('Mosquitto quirks, each also observed on a real mosquitto 2.0.11', () => {
  it('mixed QoS with queue_qos0_messages: a reconnect can strand a queued message in flight until the next reconnect', () => {
    // db__message_reconnect_reset_outgoing marks the QoS 0 message C ready but moves the head of
    // the queue (B, still 'queued') into flight, where nothing writes it.
    const d = withClients(1, { max_inflight_messages: 1, queue_qos0_messages: true });
    d.dropped(CONSUMER);
    d.publish(PRODUCER, 1, 1); // A
    d.publish(PRODUCER, 2, 1); // B
    d.publish(PRODUCER, 3, 0); // C
    expect(show(sends(d.connect(4, 'c', false), 4))).toEqual(['connack present', 'publish m1 q1 #1']);
    expect(show(sends(d.ack(4, 'puback', 1), 4))).toEqual(['publish m3 q0']);
    expect(show(sends(d.publish(PRODUCER, 4, 1), 4))).toEqual([]);
    d.dropped(4);
    expect(show(sends(d.connect(5, 'c', false), 5))).toEqual(['connack present', 'publish m2 q1 #2']);
  });

  it('QoS 0 to a connected client ignores the window', () => {
    const d = withClients(1, { max_inflight_messages: 1 });
    d.publish(PRODUCER, 1, 1);
    expect(show(sends(d.publish(PRODUCER, 2, 0), CONSUMER))).toEqual(['publish m2 q0']);
  });
});

describe('session takeover and connections', () => {
  it('a second CONNECT with the same client id closes the old connection and resumes the session there', () => {
    const d = withClients(1);
    d.publish(PRODUCER, 1, 1);
    const effects = d.connect(4, 'c', false);
    expect(effects[0]).toEqual({ kind: 'close', conn: CONSUMER });
    expect(show(sends(effects, 4))).toEqual(['connack present', 'publish m1 q1 #1 dup']);
    expect(d.state.conns[CONSUMER]).toBeUndefined();
    // The hangup of the closed connection may still be reported: ignored.
    expect(d.dropped(CONSUMER)).toEqual([]);
    expect(d.state.sessions['c']?.conn).toBe(4);
  });

  it('DISCONNECT: the broker closes the connection and keeps the persistent session', () => {
    const d = withClients(1);
    expect(d.disconnect(CONSUMER)).toEqual([{ kind: 'close', conn: CONSUMER }]);
    expect(d.state.sessions['c']?.conn).toBeNull();
  });

  it('a PUBCOMP for a message awaiting PUBREC is a protocol error: the client is disconnected', () => {
    const d = withClients(2);
    d.publish(PRODUCER, 1, 2);
    d.ack(PRODUCER, 'pubrel', 1);
    expect(d.ack(CONSUMER, 'pubcomp', 1)).toEqual([{ kind: 'close', conn: CONSUMER }]);
    expect(d.state.sessions['c']?.conn).toBeNull();
  });

  it.each([
    ['a packet on an unknown connection', (d: ReturnType<typeof drive>) => d.ack(9, 'puback', 1)],
    ['a packet before CONNECT', (d: ReturnType<typeof drive>) => (d.step({ kind: 'connected', conn: 9 }), d.ack(9, 'puback', 1))],
    ['an application input', (d: ReturnType<typeof drive>) => d.step({ kind: 'go-online' })],
    ['a timer it never set', (d: ReturnType<typeof drive>) => d.step({ kind: 'timer', timer: 'other' })],
  ])('asserts on %s', (_, act) => {
    const d = drive();
    d.start();
    expect(() => act(d)).toThrow(ModelInvariantError);
  });

  it('a connection that closes before CONNECT leaves nothing behind', () => {
    const d = drive();
    d.start();
    d.step({ kind: 'connected', conn: 1 });
    d.dropped(1);
    expect(d.state.conns).toEqual({});
  });

  it('asserts on input while down', () => {
    const d = drive();
    expect(() => d.step({ kind: 'connected', conn: 1 })).toThrow(/while down/);
  });
});

describe('persistence', () => {
  it('start arms the background autosave timer; the timer saves and re-arms', () => {
    const d = drive({ autosave_interval: 60 });
    expect(d.start()).toEqual([{ kind: 'set-timer', timer: AUTOSAVE_TIMER, afterMs: 60_000, background: true }]);
    d.connect(CONSUMER, 'c', false);
    d.subscribe(CONSUMER, TOPIC, 1);
    d.connect(PRODUCER, 'p', true);
    d.dropped(CONSUMER);
    d.publish(PRODUCER, 1, 1);
    expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(false);
    expect(d.step({ kind: 'timer', timer: AUTOSAVE_TIMER })).toEqual([{ kind: 'set-timer', timer: AUTOSAVE_TIMER, afterMs: 60_000, background: true }]);
    expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(true);
  });

  it.each([
    { persistence: true, autosave_interval: 0, autosave_on_changes: false },
    { persistence: true, autosave_interval: 10, autosave_on_changes: true },
    { persistence: false, autosave_interval: 10, autosave_on_changes: false },
  ])('no autosave timer with %o', (overrides) => {
    expect(drive(overrides).start()).toEqual([]);
  });

  it('a crash returns the broker to the last save: what came after is lost', () => {
    const d = withClients(1);
    d.dropped(CONSUMER);
    d.publish(PRODUCER, 1, 1);
    d.step({ kind: 'timer', timer: AUTOSAVE_TIMER });
    d.publish(PRODUCER, 2, 1);
    d.crash();
    expect(d.state.up).toBe(false);
    d.start();
    expect(d.state.sessions['c']?.queued.map((m) => m.payload)).toEqual(['m1']);
    expect(d.state.sessions['p']).toBeUndefined();
    expect(show(sends(d.connect(4, 'c', false), 4))).toEqual(['connack present', 'publish m1 q1 #1']);
  });

  it('stop saves, closes every connection and cancels the autosave timer', () => {
    const d = withClients(2);
    d.publish(PRODUCER, 1, 2, 7);
    d.ack(PRODUCER, 'pubrel', 7);
    const effects = d.step({ kind: 'stop' });
    expect(effects).toEqual([
      { kind: 'close', conn: PRODUCER },
      { kind: 'close', conn: CONSUMER },
      { kind: 'cancel-timer', timer: AUTOSAVE_TIMER },
    ]);
    expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(true);
    d.crash();
    d.start();
    expect(d.state.sessions['c']?.inflight.map((m) => [m.payload, m.phase, m.dup])).toEqual([['m1', 'wait-pubrec', true]]);
    expect(show(sends(d.connect(4, 'c', false), 4))).toEqual(['connack present', 'publish m1 q2 #1 dup']);
  });

  it('a persistent publisher\'s held QoS 2 message is saved; a clean publisher\'s is not', () => {
    for (const clean of [false, true]) {
      const d = drive();
      d.start();
      d.connect(PRODUCER, 'p', clean);
      d.publish(PRODUCER, 1, 2, 7);
      d.step({ kind: 'stop' });
      expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(!clean);
      d.crash();
      d.start();
      if (!clean) {
        d.connect(PRODUCER, 'p', false);
        expect(show(sends(d.ack(PRODUCER, 'pubrel', 7), PRODUCER))).toEqual(['pubcomp #7']);
      }
    }
  });

  it('persistence=false: stop and crash both lose everything', () => {
    for (const end of ['stop', 'crash'] as const) {
      const d = withClients(1, { persistence: false });
      d.dropped(CONSUMER);
      d.publish(PRODUCER, 1, 1);
      if (end === 'stop') d.step({ kind: 'stop' });
      d.crash();
      expect(d.state.durable).toBeNull();
      d.start();
      expect(d.state.sessions).toEqual({});
      expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(false);
    }
  });

  // Observed on mosquitto 2.0.11 (autosave_interval 3): the file appeared after connect + subscribe + PUBACK, not before.
  it('autosave_on_changes counts persistent connects, subscribes, queued messages and acknowledgements', () => {
    const d = drive({ autosave_interval: 4, autosave_on_changes: true });
    d.start();
    d.connect(CONSUMER, 'c', false); // 1: persistent connect
    d.subscribe(CONSUMER, TOPIC, 1); // 2: subscribe
    d.connect(PRODUCER, 'p', true); // clean connect: not counted
    d.publish(PRODUCER, 1, 1); // straight into flight: not counted
    expect(d.state.changes).toBe(2);
    expect(d.state.durable).toBeNull();
    d.ack(CONSUMER, 'puback', 1); // 3: PUBACK (db__message_delete_outgoing)
    d.dropped(CONSUMER);
    d.publish(PRODUCER, 2, 1); // 4: queued → save
    expect(d.state.changes).toBe(0);
    expect(d.broker.snapshotHolds?.(d.state, 2)).toBe(true);
  });

  // Observed on mosquitto 2.0.11 after SIGTERM and restart: 'publish m1 q2 #1 dup' with 0, 'pubrel #1' with 1 or 20.
  it('with max_inflight_messages 0 a restored message awaiting PUBCOMP is resent as a PUBLISH (persist_read.c quota 0)', () => {
    const d = withClients(2, { max_inflight_messages: 0 });
    d.publish(PRODUCER, 1, 2);
    d.ack(PRODUCER, 'pubrel', 1);
    d.ack(CONSUMER, 'pubrec', 1);
    d.step({ kind: 'stop' });
    d.crash();
    d.start();
    expect(show(sends(d.connect(4, 'c', false), 4))).toEqual(['connack present', 'publish m1 q2 #1 dup']);
  });

  it('with a window, a restored message awaiting PUBCOMP gets its PUBREL again', () => {
    const d = withClients(2, { max_inflight_messages: 1 });
    d.publish(PRODUCER, 1, 2);
    d.ack(PRODUCER, 'pubrel', 1);
    d.ack(CONSUMER, 'pubrec', 1);
    d.step({ kind: 'stop' });
    d.crash();
    d.start();
    expect(show(sends(d.connect(4, 'c', false), 4))).toEqual(['connack present', 'pubrel #1']);
  });

  it('a save shares the session arrays with the live state (no deep copy)', () => {
    const d = withClients(1);
    d.dropped(CONSUMER);
    d.publish(PRODUCER, 1, 1);
    d.step({ kind: 'timer', timer: AUTOSAVE_TIMER });
    expect(d.state.durable?.sessions['c']?.queued).toBe(d.state.sessions['c']?.queued);
  });
});

// The aedes-1.2 profile's outgoing store (broker-aedes.ts): aedes 1.2 over aedes-persistence
// 11's memory store, whose outgoingUpdate matches a stored PUBREL against any later one.
describe('aedes-1.2 profile: PUBREC, PUBCOMP and resume of a subscriber', () => {
  const aedes = { profile: 'aedes-1.2', max_inflight_messages: 65_535, max_queued_messages: 0 } as const;
  const pubrelWrites = (d: ReturnType<typeof drive>) => show(sends(d.step({ kind: 'timer', timer: AEDES_PUBREL_TIMER }), CONSUMER));

  /** A resume's writes to `conn`, one list per turn: the snapshot's turn, then each resend timer's, while one is set. */
  function resumeTurns(d: ReturnType<typeof drive>, conn: number): string[][] {
    let effects = d.step({ kind: 'timer', timer: AEDES_RESUME_TIMER });
    const turns = [show(sends(effects, conn))];
    while (effects.some((effect) => effect.kind === 'set-timer' && effect.timer === AEDES_RESEND_TIMER)) {
      effects = d.step({ kind: 'timer', timer: AEDES_RESEND_TIMER });
      turns.push(show(sends(effects, conn)));
    }
    return turns;
  }

  function twoDelivered(consumerClean = false) {
    const d = withClients(2, aedes, consumerClean);
    d.publish(PRODUCER, 1, 2, 7);
    d.publish(PRODUCER, 2, 2, 8);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_FORWARD_TIMERS[2] }), CONSUMER))).toEqual(['publish m1 q2 #1', 'publish m2 q2 #2']);
    return d;
  }

  it('in one read a QoS 0 message overtakes a QoS 1/2 one: their forwards wait for the store, its does not', () => {
    const d = withClients(2, aedes, true);
    expect(show(sends(d.publish(PRODUCER, 1, 1, 7), CONSUMER))).toEqual([]);
    expect(show(sends(d.publish(PRODUCER, 2, 2, 8), CONSUMER))).toEqual([]);
    expect(show(sends(d.publish(PRODUCER, 3, 0), CONSUMER))).toEqual(['publish m3 q0']);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_FORWARD_TIMERS[2] }), CONSUMER))).toEqual(['publish m2 q2 #2']);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_FORWARD_TIMERS[1] }), CONSUMER))).toEqual(['publish m1 q1 #1']);
  });

  it('two PUBRECs of one read: both PUBRELs carry the second id, and the first message stays a PUBLISH in the store', () => {
    const d = twoDelivered();
    const first = d.ack(CONSUMER, 'pubrec', 1);
    // The write waits for the store (pubrec.js: outgoingUpdate(...).then(write)).
    expect(sends(first, CONSUMER)).toEqual([]);
    expect(first).toContainEqual({ kind: 'set-timer', timer: AEDES_PUBREL_TIMER, afterMs: 1 });
    d.ack(CONSUMER, 'pubrec', 2);
    expect(pubrelWrites(d)).toEqual(['pubrel #2', 'pubrel #2']);
    // The store: the first entry is the PUBREL (now #2), the second message still a PUBLISH.
    expect(d.state.sessions['c']?.inflight.map((m) => `${m.payload} #${m.packetId} ${m.phase}`)).toEqual(['m1 #2 wait-pubcomp', 'm2 #2 wait-pubrec']);
    // Each PUBCOMP #2 clears the first entry with that id: both go, #1 is never released.
    d.ack(CONSUMER, 'pubcomp', 2);
    d.ack(CONSUMER, 'pubcomp', 2);
    expect(d.state.sessions['c']?.inflight).toEqual([]);
  });

  it('two PUBRECs in two reads: the wire is right, the store is not; a resume resends the second message', () => {
    const d = twoDelivered();
    d.ack(CONSUMER, 'pubrec', 1);
    expect(pubrelWrites(d)).toEqual(['pubrel #1']);
    d.ack(CONSUMER, 'pubrec', 2);
    expect(pubrelWrites(d)).toEqual(['pubrel #2']);
    d.ack(CONSUMER, 'pubcomp', 1);
    d.ack(CONSUMER, 'pubcomp', 2);
    expect(d.state.sessions['c']?.inflight.map((m) => `${m.payload} #${m.packetId} ${m.phase}`)).toEqual(['m2 #2 wait-pubrec']);
    d.dropped(CONSUMER);
    expect(show(sends(d.connect(3, 'c', false), 3))).toEqual(['connack present']);
    expect(resumeTurns(d, 3)).toEqual([['publish m2 q2 #2 dup']]);
  });

  it('a message published between a resume\'s CONNACK and its resends reaches the client twice: live, and from the store', () => {
    const d = twoDelivered();
    d.dropped(CONSUMER);
    d.connect(3, 'c', false);
    d.publish(PRODUCER, 3, 2, 9);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_FORWARD_TIMERS[2] }), 3))).toEqual(['publish m3 q2 #3']);
    expect(resumeTurns(d, 3)).toEqual([['publish m1 q2 #1 dup'], ['publish m2 q2 #2 dup'], ['publish m3 q2 #3 dup']]);
  });

  it('a resume resends its snapshot one entry per turn: a live forward comes between two resends (emptyQueue, write.js)', () => {
    const d = withClients(2, aedes);
    d.publish(PRODUCER, 1, 1, 7);
    d.publish(PRODUCER, 2, 1, 8);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_FORWARD_TIMERS[1] }), CONSUMER))).toEqual(['publish m1 q1 #1', 'publish m2 q1 #2']);
    d.dropped(CONSUMER);
    d.connect(3, 'c', false);
    // The snapshot holds m1 and m2; m1 is resent in the snapshot's turn.
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_RESUME_TIMER }), 3))).toEqual(['publish m1 q1 #1 dup']);
    // m3 comes after the snapshot: it is forwarded live, before m2's resend, and never resent.
    d.publish(PRODUCER, 3, 1, 9);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_FORWARD_TIMERS[1] }), 3))).toEqual(['publish m3 q1 #3']);
    const last = d.step({ kind: 'timer', timer: AEDES_RESEND_TIMER });
    expect(show(sends(last, 3))).toEqual(['publish m2 q1 #2 dup']);
    expect(last.some((effect) => effect.kind === 'set-timer' && effect.timer === AEDES_RESEND_TIMER)).toBe(false);
    expect(d.state.sessions['c']?.inflight.map((m) => `${m.payload} #${m.packetId} ${m.phase}`)).toEqual(['m1 #1 wait-puback', 'm2 #2 wait-puback', 'm3 #3 wait-puback']);
  });

  it('a drop during a resume: the resends still to come die, and the next resume resends them', () => {
    const d = twoDelivered();
    d.dropped(CONSUMER);
    d.connect(3, 'c', false);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_RESUME_TIMER }), 3))).toEqual(['publish m1 q2 #1 dup']);
    d.dropped(3);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_RESEND_TIMER }), 3))).toEqual([]);
    d.connect(4, 'c', false);
    expect(resumeTurns(d, 4)).toEqual([['publish m1 q2 #1 dup'], ['publish m2 q2 #2 dup']]);
  });

  it('a resumed PUBREL is stored with a brokerId: a later PUBREC does not rewrite it', () => {
    const d = twoDelivered();
    d.ack(CONSUMER, 'pubrec', 1);
    d.dropped(CONSUMER);
    // The PUBREL due on the old connection dies with it; the resume resends it and the PUBLISH.
    expect(show(sends(d.connect(3, 'c', false), 3))).toEqual(['connack present']);
    expect(resumeTurns(d, 3)).toEqual([['pubrel #1'], ['publish m2 q2 #2 dup']]);
    expect(pubrelWrites(d)).toEqual([]);
    d.ack(3, 'pubrec', 2);
    expect(show(sends(d.step({ kind: 'timer', timer: AEDES_PUBREL_TIMER }), 3))).toEqual(['pubrel #2']);
    expect(d.state.sessions['c']?.inflight.map((m) => `${m.payload} #${m.packetId} ${m.phase}`)).toEqual(['m1 #1 pubrel-stamped', 'm2 #2 wait-pubcomp']);
  });

  it('a different QoS 2 message under a held packet id is taken for a resend: PUBREC only, never forwarded (incomingGetPacket)', () => {
    const d = withClients(2, aedes);
    d.publish(PRODUCER, 1, 2, 7);
    const reused = d.publish(PRODUCER, 2, 2, 7);
    expect(show(sends(reused, PRODUCER))).toEqual(['pubrec #7']);
    expect(reused.some((effect) => effect.kind === 'set-timer')).toBe(false);
    expect(d.state.sessions['c']?.inflight.map((m) => m.payload)).toEqual(['m1']);
  });

  it('a PUBREC the store cannot match closes the connection, with no PUBREL (outgoingUpdate throws)', () => {
    const d = twoDelivered();
    const effects = d.ack(CONSUMER, 'pubrec', 42);
    expect(sends(effects, CONSUMER)).toEqual([]);
    expect(effects).toContainEqual({ kind: 'close', conn: CONSUMER });
  });

  it('a clean subscriber stores nothing: each PUBREL is written at once with its own id', () => {
    const d = twoDelivered(true);
    expect(show(sends(d.ack(CONSUMER, 'pubrec', 1), CONSUMER))).toEqual(['pubrel #1']);
    expect(show(sends(d.ack(CONSUMER, 'pubrec', 2), CONSUMER))).toEqual(['pubrel #2']);
  });

  it('Mosquitto (the default profile) answers each PUBREC with its own id at once', () => {
    const d = withClients(2, { max_inflight_messages: 20 });
    d.publish(PRODUCER, 1, 2, 7);
    d.ack(PRODUCER, 'pubrel', 7);
    d.publish(PRODUCER, 2, 2, 8);
    d.ack(PRODUCER, 'pubrel', 8);
    expect(show(sends(d.ack(CONSUMER, 'pubrec', 1), CONSUMER))).toEqual(['pubrel #1']);
    expect(show(sends(d.ack(CONSUMER, 'pubrec', 2), CONSUMER))).toEqual(['pubrel #2']);
  });
});
