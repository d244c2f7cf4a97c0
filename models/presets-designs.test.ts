// The presets of the candidate answers to the blog's question, and the settings they add.
import { describe, expect, it } from 'vitest';
import type { Config } from './config.ts';
import { getPreset, presetNames, resolveConfig } from './presets.ts';

function preset(name: string): Config {
  const found = getPreset(name);
  if (!found.ok) throw new Error(found.error);
  return found.value;
}

describe('candidate-design presets', () => {
  it('are all known and valid', () => {
    for (const name of ['mosquitto-autosave-every-change', 'save-every-change', 'dedup-consumer', 'outbox-e2e', 'outbox-e2e+dedup', 'all-three']) {
      expect(presetNames()).toContain(name);
      expect(resolveConfig(name, {}).ok).toBe(true);
    }
  });

  it('each changes only its part of the blog setup', () => {
    const blog = preset('blog');
    expect(preset('mosquitto-autosave-every-change')).toEqual({ ...blog, broker: { ...blog.broker, autosave_on_changes: true, autosave_interval: 1 } });
    expect(preset('save-every-change')).toEqual({ ...blog, broker: { ...blog.broker, save_before_ack: true } });
    expect(preset('dedup-consumer')).toEqual({ ...blog, consumer: { ...blog.consumer, profile: 'dedup' } });
    const outbox = preset('outbox-e2e');
    // The second producer (used with producers=2) is the same design as the first.
    expect(outbox).toEqual({ ...blog, producer: { ...blog.producer, profile: 'outbox' }, producer2: { ...blog.producer2, profile: 'outbox' }, consumer: { ...blog.consumer, e2e_ack: true } });
    expect(preset('outbox-e2e+dedup')).toEqual({ ...outbox, consumer: { ...outbox.consumer, profile: 'dedup' } });
    expect(preset('all-three')).toEqual({ ...preset('outbox-e2e+dedup'), broker: { ...blog.broker, save_before_ack: true } });
  });

  it('the blog presets keep the new settings off', () => {
    for (const name of ['blog', 'mosquitto-defaults']) {
      const config = preset(name);
      expect(config.broker.save_before_ack).toBe(false);
      expect(config.producer.profile).toBe('paho');
      expect(config.consumer.e2e_ack).toBe(false);
    }
  });
});

describe('the new settings through --set', () => {
  it('selects every design on the blog preset', () => {
    const config = resolveConfig('blog', {
      'broker.save_before_ack': 'true',
      'producer.profile': 'outbox',
      'producer.resendMs': '250',
      'consumer.profile': 'dedup',
      'consumer.e2e_ack': 'true',
    });
    expect(config.ok && config.value.broker.save_before_ack).toBe(true);
    expect(config.ok && config.value.producer).toMatchObject({ profile: 'outbox', resendMs: 250 });
    expect(config.ok && config.value.consumer).toMatchObject({ profile: 'dedup', e2e_ack: true });
  });

  it.each([
    ['blog', { 'producer.profile': 'kafka' }, /expected one of paho, outbox/],
    ['blog', { 'consumer.profile': 'magic' }, /expected one of paho, manual-ack, dedup/],
    ['blog', { 'broker.save_before_ack': 'yes' }, /expected true or false/],
    ['save-every-change', { 'broker.persistence': 'false' }, /save_before_ack needs broker.persistence/],
    ['blog', { 'producer.profile': 'outbox' }, /needs consumer.e2e_ack true/],
    ['outbox-e2e', { 'consumer.e2e_ack': 'false' }, /needs consumer.e2e_ack true/],
    ['outbox-e2e', { 'producer.resendMs': '0' }, /producer.resendMs must be at least 1/],
    // A topic without wildcards never matches its reply topic <topic>/ack; a wildcard is refused first.
    ['outbox-e2e', { topic: 'a/#' }, /has a wildcard \(\+ or #\), which a PUBLISH topic must not have/],
  ] as const)('%s with %o is refused', (name, overrides, message) => {
    const result = resolveConfig(name, overrides);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});
