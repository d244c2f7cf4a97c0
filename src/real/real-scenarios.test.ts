// Random scenarios for real brokers: event-anchored faults only, on messages the scenario has,
// nothing before startMs, the same cases for the same seed.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import { aedesModelConfig, faultKindsFor, realBoundsDefault, sampleRealCases, withLoopbackNetwork } from './real-scenarios.ts';

describe('real scenarios', () => {
  const cases = sampleRealCases(realBoundsDefault, 300, 7);

  it('anchor every fault to a protocol event of a message the scenario has', () => {
    for (const { scenario } of cases) {
      expect(scenario.faults.length).toBeGreaterThanOrEqual(realBoundsDefault.faultsMin);
      expect(scenario.faults.length).toBeLessThanOrEqual(realBoundsDefault.faultsMax);
      for (const fault of scenario.faults) {
        expect(fault.when.kind).toBe('event');
        if (fault.when.kind === 'event') {
          expect(fault.when.message).toBeGreaterThanOrEqual(1);
          expect(fault.when.message).toBeLessThanOrEqual(scenario.messages.length);
          expect(fault.when.delayMs).toBeLessThanOrEqual(realBoundsDefault.delayMsMax);
        }
        expect(fault.link !== undefined).toBe(fault.kind === 'connection-drop');
      }
    }
  });

  it('keep messages few and schedule nothing before startMs; offline periods are short', () => {
    for (const { scenario } of cases) {
      expect(scenario.messages.length).toBeLessThanOrEqual(realBoundsDefault.messagesMax);
      for (const message of scenario.messages) expect(message.atMs).toBeGreaterThanOrEqual(realBoundsDefault.startMs);
      for (const period of scenario.offline) {
        expect(period.fromMs).toBeGreaterThan(realBoundsDefault.startMs);
        expect(period.toMs - period.fromMs).toBeGreaterThanOrEqual(1);
        expect(period.toMs - period.fromMs).toBeLessThanOrEqual(realBoundsDefault.offlineMsMax);
      }
    }
  });

  it('cover every fault kind and anchor event, and are the same for the same seed', () => {
    expect(new Set(cases.flatMap((c) => c.scenario.faults.map((f) => f.kind))).size).toBe(5);
    expect(new Set(cases.flatMap((c) => c.scenario.faults.map((f) => (f.when.kind === 'event' ? f.when.event : '')))).size).toBe(6);
    expect(sampleRealCases(realBoundsDefault, 300, 7)).toEqual(cases);
    expect(sampleRealCases(realBoundsDefault, 300, 8)).not.toEqual(cases);
  });

  it('leave broker faults out for an external broker', () => {
    expect(faultKindsFor(false, realBoundsDefault.faultKinds)).toEqual(['consumer-crash', 'producer-crash', 'connection-drop']);
    expect(faultKindsFor(true, realBoundsDefault.faultKinds)).toEqual(realBoundsDefault.faultKinds);
  });

  it('model aedes as a broker that saves every change and has no limits; use a loopback network unless told otherwise', () => {
    const blog = resolveConfig('blog', {});
    if (!blog.ok) throw new Error(blog.error);
    const aedes = aedesModelConfig(blog.value);
    expect(aedes.broker).toMatchObject({ profile: 'aedes-1.2', persistence: true, save_before_ack: true, max_inflight_messages: 65_535, max_queued_messages: 0, queue_qos0_messages: false });
    const queueing = aedesModelConfig({ ...blog.value, broker: { ...blog.value.broker, queue_qos0_messages: true } });
    expect(queueing.broker.queue_qos0_messages).toBe(false);
    // A profile the user named stays: aedes held against Mosquitto's rules.
    expect(aedesModelConfig(blog.value, { 'broker.profile': 'mosquitto-2.0' }).broker.profile).toBe('mosquitto-2.0');
    expect(aedesModelConfig({ ...blog.value, broker: { ...blog.value.broker, persistence: false } }).broker.save_before_ack).not.toBe(true);
    expect(withLoopbackNetwork(blog.value, {}).network).toEqual({ latencyMsMin: 0, latencyMsMax: 1 });
    expect(withLoopbackNetwork(blog.value, { 'network.latencyMsMax': '9' }).network).toEqual(blog.value.network);
  });
});
