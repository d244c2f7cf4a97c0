import { describe, expect, it } from 'vitest';
import { applyOverrides, getPreset, parseOverrides, resolveConfig } from './presets.ts';

describe('presets and overrides', () => {
  it('blog carries the blog post settings', () => {
    const blog = getPreset('blog');
    expect(blog.ok).toBe(true);
    if (!blog.ok) return;
    expect(blog.value.qos).toBe(2);
    expect(blog.value.consumer.clean_session).toBe(false);
    expect(blog.value.broker).toMatchObject({ persistence: true, autosave_interval: 1800, max_inflight_messages: 1, max_queued_messages: 7200 });
  });

  it('overrides typed values by path', () => {
    const config = resolveConfig('blog', { 'broker.autosave_interval': '1', 'consumer.profile': 'manual-ack', qos: '1', 'broker.persistence': 'false' });
    expect(config.ok && config.value.broker.autosave_interval).toBe(1);
    expect(config.ok && config.value.consumer.profile).toBe('manual-ack');
    expect(config.ok && config.value.qos).toBe(1);
    expect(config.ok && config.value.broker.persistence).toBe(false);
  });

  it.each([
    [{ 'broker.nope': '1' }, /broker\.nope: unknown key/],
    [{ 'broker.autosave_interval': '-5' }, /must not be negative/],
    [{ qos: '3' }, /expected one of 0, 1, 2/],
    [{ 'broker.persistence': 'yes' }, /expected true or false/],
    [{ 'consumer.profile': 'magic' }, /expected one of paho, manual-ack/],
    [{ broker: '1' }, /names a section/],
    [{ 'network.latencyMsMin': '10' }, /exceeds network.latencyMsMax/],
  ])('rejects %o', (overrides, message) => {
    const preset = getPreset('blog');
    if (!preset.ok) throw new Error(preset.error);
    const result = applyOverrides(preset.value, overrides);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('rejects an unknown preset and a malformed assignment', () => {
    const unknown = resolveConfig('nope', {});
    expect(!unknown.ok && unknown.error).toMatch(/unknown preset 'nope'/);
    const malformed = parseOverrides(['broker.autosave_interval']);
    expect(!malformed.ok && malformed.error).toMatch(/expected path=value/);
  });
});
