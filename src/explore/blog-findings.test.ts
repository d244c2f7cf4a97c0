// What exploration must find in the blog's setup, and what must hold without faults.
import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../models/history.ts';
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import { defaultBounds } from './arbitraries.ts';
import { explore, type ExploreReport } from './explore.ts';

function exploreBlog(overrides: Overrides, faultKinds: readonly FaultKind[], runs: number, seed = 1): ExploreReport {
  const config = resolveConfig('blog', overrides);
  if (!config.ok) throw new Error(config.error);
  return explore({ config: config.value, bounds: { ...defaultBounds, faultKinds }, runs, seed, shrinkRunsMax: 500 });
}

function signatures(report: ExploreReport): string[] {
  return report.classes.map((entry) => entry.signature.text);
}

describe('the blog preset', () => {
  it('holds every property over 1000 fault-free scenarios (sequential producer)', () => {
    const report = exploreBlog({}, [], 1000);
    expect(report.runs).toBe(1000);
    expect(report.ends.quiescent).toBe(1000);
    expect(signatures(report)).toEqual([]);
  });

  it('loses acknowledged messages when the broker is killed inside the autosave window', () => {
    const found = signatures(exploreBlog({}, ['broker-kill'], 1500));
    expect(found.some((text) => /^no-loss-acked \/ broker-kill: .*not in snapshot$/.test(text))).toBe(true);
  });

  it('loses acknowledged messages when the consumer crashes after its library acknowledged, before handling ended', () => {
    const found = signatures(exploreBlog({}, ['consumer-crash'], 1500));
    // paho QoS 2: PUBREC went out on PUBLISH; the crash takes the in-memory message with it.
    expect(found).toContain('no-loss-acked / consumer-crash: broker got PUBREC');
    expect(found).toContain('no-loss-acked / consumer-crash: consumer handling');
  });

  it('loses an invoked message when the producer crashes before its network loop wrote it', () => {
    const found = signatures(exploreBlog({}, ['producer-crash'], 1500));
    expect(found).toContain('no-loss-invoked / producer-crash: in producer memory');
    expect(found.some((text) => text.startsWith('no-loss-acked / producer-crash'))).toBe(false);
  });

  it('without persistence, any broker restart loses acknowledged messages', () => {
    const found = signatures(exploreBlog({ 'broker.persistence': 'false' }, ['broker-restart'], 1500));
    expect(found.some((text) => text.startsWith('no-loss-acked / broker-restart: '))).toBe(true);
    // With persistence, a graceful restart saves first: nothing acknowledged is lost.
    const persisted = signatures(exploreBlog({}, ['broker-restart'], 1500));
    expect(persisted.some((text) => text.startsWith('no-loss-acked / broker-restart'))).toBe(false);
  });

  it('with QoS 1 a consumer crash mid-handling duplicates instead of losing', () => {
    const found = signatures(exploreBlog({ qos: '1' }, ['consumer-crash'], 1500));
    expect(found.some((text) => text.startsWith('no-duplicate / consumer-crash'))).toBe(true);
    expect(found.some((text) => text.startsWith('no-loss-acked / consumer-crash'))).toBe(false);
  });

  it('shrinks each class to a case that still shows it, deterministically', () => {
    const first = exploreBlog({}, ['broker-kill', 'consumer-crash'], 400, 5);
    const second = exploreBlog({}, ['broker-kill', 'consumer-crash'], 400, 5);
    expect(first.classes.length).toBeGreaterThan(0);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    for (const entry of first.classes) {
      expect(entry.minimal.scenario.faults.length).toBeLessThanOrEqual(3);
      expect(entry.violations.some((violation) => violation.property === entry.signature.property)).toBe(true);
    }
  });
});
