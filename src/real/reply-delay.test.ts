import { describe, expect, it } from 'vitest';
import type { Packet } from '../../models/packets.ts';
import { ReplyClock } from './reply-delay.ts';

const publish = (qos: 0 | 1 | 2, messageId?: number): Packet => ({
  cmd: 'publish',
  qos,
  dup: false,
  retain: false,
  topic: 't',
  payload: 'm1',
  ...(messageId === undefined ? {} : { messageId }),
});

describe('ReplyClock: how long the broker took to answer', () => {
  it('pairs each request with its reply by command and packet id', () => {
    const clock = new ReplyClock();
    clock.sent({ cmd: 'connect', clientId: 'p', clean: true, keepalive: 60, protocolVersion: 4, protocolId: 'MQTT' }, 0);
    clock.sent(publish(1, 1), 2);
    clock.sent(publish(2, 2), 3);
    clock.sent({ cmd: 'pubrel', messageId: 2 }, 10);
    expect(clock.received({ cmd: 'connack', returnCode: 0, sessionPresent: false }, 1)).toBe(1);
    // A PUBREC for id 1 answers nothing: id 1 went out at QoS 1 and is owed a PUBACK.
    expect(clock.received({ cmd: 'pubrec', messageId: 1 }, 4)).toBeUndefined();
    expect(clock.received({ cmd: 'puback', messageId: 1 }, 5)).toBe(3);
    expect(clock.received({ cmd: 'pubrec', messageId: 2 }, 19)).toBe(16);
    expect(clock.received({ cmd: 'pubcomp', messageId: 2 }, 12)).toBe(2);
  });

  it('times a resent request from its first sending, answers each request once, and owes nothing for QoS 0', () => {
    const clock = new ReplyClock();
    clock.sent(publish(1, 7), 0);
    clock.sent(publish(1, 7), 20);
    expect(clock.received({ cmd: 'puback', messageId: 7 }, 25)).toBe(25);
    expect(clock.received({ cmd: 'puback', messageId: 7 }, 26)).toBeUndefined();
    clock.sent(publish(0), 30);
    expect(clock.received({ cmd: 'puback', messageId: 0 }, 31)).toBeUndefined();
  });

  it("times a subscriber's PUBREC to the broker's PUBREL, and SUBSCRIBE to SUBACK", () => {
    const clock = new ReplyClock();
    clock.sent({ cmd: 'pubrec', messageId: 3 }, 100);
    clock.sent({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 2 }] }, 100);
    expect(clock.received({ cmd: 'pubrel', messageId: 3 }, 100.5)).toBe(0.5);
    expect(clock.received({ cmd: 'suback', messageId: 1, granted: [2] }, 130)).toBe(30);
  });
});
