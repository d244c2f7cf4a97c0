// save_before_ack, the harness's hypothetical ideal broker (config.ts), beside Mosquitto's
// nearest real setting, autosave_on_changes with autosave_interval 1.
import { describe, expect, it } from 'vitest';
import { ModelInvariantError } from './assert.ts';
import { createBroker, type BrokerState } from './broker.ts';
import type { BrokerConfig } from './config.ts';
import { ghostPayload } from './ghost.ts';
import type { ConnId, Effect, NodeInput } from './node.ts';
import type { Packet, QoS } from './packets.ts';

const PRODUCER = 1;
const CONSUMER = 2;
const TOPIC = 't';

const blogBroker: BrokerConfig = {
  persistence: true,
  autosave_interval: 1800,
  autosave_on_changes: false,
  max_inflight_messages: 1,
  max_queued_messages: 7200,
  queue_qos0_messages: false,
};

function drive(config: BrokerConfig) {
  const broker = createBroker(config);
  let state: BrokerState = broker.init();
  const step = (input: NodeInput): readonly Effect[] => {
    const result = broker.step(state, input, 0);
    state = result.state;
    return result.effects;
  };
  const packet = (conn: ConnId, p: Packet) => step({ kind: 'packet', conn, packet: p });
  return {
    broker,
    get state() {
      return state;
    },
    start: () => step({ kind: 'start' }),
    crash() {
      state = broker.crash(state);
    },
    connect(conn: ConnId, clientId: string, clean: boolean) {
      step({ kind: 'connected', conn });
      return packet(conn, { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean, keepalive: 60 });
    },
    subscribe: (conn: ConnId, qos: QoS) => packet(conn, { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: TOPIC, qos }] }),
    publish: (conn: ConnId, message: number, qos: 1 | 2, messageId: number) =>
      packet(conn, { cmd: 'publish', topic: TOPIC, payload: ghostPayload(message), qos, dup: false, retain: false, messageId }),
    ack: (conn: ConnId, cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', messageId: number) => packet(conn, { cmd, messageId }),
  };
}

/** Consumer 'c' (persistent) subscribed and connected, producer 'p' connected with `producerClean`. */
function withClients(config: BrokerConfig, producerClean: boolean) {
  const d = drive(config);
  d.start();
  d.connect(CONSUMER, 'c', false);
  d.subscribe(CONSUMER, 2);
  d.connect(PRODUCER, 'p', producerClean);
  return d;
}

const sendsTo = (effects: readonly Effect[], conn: ConnId) => effects.flatMap((e) => (e.kind === 'send' && e.conn === conn ? [e.packet.cmd] : []));

describe('broker save_before_ack (harness extension, not Mosquitto)', () => {
  const ideal: BrokerConfig = { ...blogBroker, save_before_ack: true };

  it('the step that forwards a message and acknowledges it to the publisher has it on disk', () => {
    const d = withClients(ideal, false);
    d.publish(PRODUCER, 1, 2, 7);
    // A persistent publisher's held QoS 2 message is saved with the PUBREC that promises it.
    expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(true);
    const released = d.ack(PRODUCER, 'pubrel', 7);
    expect(sendsTo(released, PRODUCER)).toEqual(['pubcomp']);
    expect(sendsTo(released, CONSUMER)).toEqual(['publish']);
    expect(d.state.durable?.sessions['c']?.inflight.map((m) => m.payload)).toEqual(['m1']);
    expect(d.state.durable?.sessions['p']?.incoming).toEqual([]);
  });

  it('a kill -9 right after PUBCOMP keeps the message for the consumer', () => {
    const d = withClients(ideal, true);
    d.publish(PRODUCER, 1, 1, 7);
    d.crash();
    d.start();
    const resumed = d.connect(CONSUMER, 'c', false);
    expect(resumed.flatMap((e) => (e.kind === 'send' ? [e.packet] : []))).toMatchObject([
      { cmd: 'connack', sessionPresent: true },
      { cmd: 'publish', payload: 'm1', dup: true },
    ]);
  });

  it("the blog's broker has nothing on disk at that point", () => {
    const d = withClients(blogBroker, true);
    d.publish(PRODUCER, 1, 1, 7);
    expect(d.state.durable).toBeNull();
  });

  it('a clean session is still not saved: the producer with paho defaults gets no help for its QoS 2 state', () => {
    const d = withClients(ideal, true);
    d.publish(PRODUCER, 1, 2, 7);
    expect(d.state.durable?.sessions['p']).toBeUndefined();
    expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(false);
  });

  it('refuses to run without persistence', () => {
    expect(() => createBroker({ ...ideal, persistence: false })).toThrow(ModelInvariantError);
  });
});

describe("Mosquitto's autosave_on_changes true, autosave_interval 1: not every change counts", () => {
  const everyChange: BrokerConfig = { ...blogBroker, autosave_on_changes: true, autosave_interval: 1 };

  it('a message written straight to a connected consumer is not a change: acknowledged, not saved', () => {
    const d = withClients(everyChange, true);
    const saved = d.state.durable;
    const effects = d.publish(PRODUCER, 1, 1, 7);
    expect(sendsTo(effects, PRODUCER)).toEqual(['puback']);
    expect(sendsTo(effects, CONSUMER)).toEqual(['publish']);
    expect(d.state.durable).toBe(saved);
    expect(d.broker.snapshotHolds?.(d.state, 1)).toBe(false);
  });

  it('a message queued behind the inflight window is a change: saved in the same step', () => {
    const d = withClients(everyChange, true);
    d.publish(PRODUCER, 1, 1, 7);
    d.publish(PRODUCER, 2, 1, 8);
    expect(d.broker.snapshotHolds?.(d.state, 2)).toBe(true);
  });
});
