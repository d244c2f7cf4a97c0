// bench --real counts what it says it counts: the phases of a run from its history, the slots
// shared among threads, every case run once across shards, and brokers closed by the time a
// batch returns though no scenario waited for its close. No speed is asserted: figures live in
// the bench.
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import type { HistoryEvent } from '../../models/history.ts';
import { runBatch } from './batch.ts';
import { addRunPhases, emptyPhaseTotals, phasesText } from './bench-phases.ts';
import { benchReal, slotsPerShard } from './bench-real.ts';
import { cleanupAll, trackedResources } from './cleanup.ts';
import { isMosquittoAvailable, isMosquittoRequired } from './mosquitto.ts';
import type { BrokerControl } from './targets.ts';
import type { PoolCounts } from './broker-pool.ts';

afterEach(async () => {
  await cleanupAll();
});

const withMosquitto = isMosquittoAvailable() || isMosquittoRequired();

describe('bench phases', () => {
  it('splits a run at its first SUBACK and its last event; the idle window is what follows until its end', () => {
    const history: HistoryEvent[] = [
      { kind: 'subscribed', node: 'consumer', sessionPresent: false, atMs: 4 },
      { kind: 'publish-invoked', node: 'producer', message: 1, qos: 2, atMs: 24 },
      { kind: 'handled', node: 'consumer', message: 1, atMs: 31 },
    ];
    const totals = emptyPhaseTotals();
    addRunPhases(totals, { history, elapsedMs: 90 });
    addRunPhases(totals, { history: history.slice(0, 1), elapsedMs: 60 });
    expect(totals['to SUBACK']).toEqual({ ms: 8, count: 2 });
    expect(totals.flows).toEqual({ ms: 27, count: 2 });
    expect(totals['idle window']).toEqual({ ms: 59 + 56, count: 2 });
  });

  it('what the slots spent beyond the phases is the rest: broker operations inside the flows and the background close do not count twice', () => {
    const totals = emptyPhaseTotals();
    totals.start = { ms: 20, count: 2 };
    totals.flows = { ms: 100, count: 2 };
    totals.restart = { ms: 30, count: 1 };
    totals.close = { ms: 8, count: 2 };
    const text = phasesText(totals, 2, 200);
    expect(text).toMatch(/^ {2}start +10\.0 ms, 1\.00 a scenario of 10\.0 ms$/m);
    expect(text).toMatch(/^ {4}of which restart +15\.0 ms, 0\.50 a scenario of 30\.0 ms$/m);
    expect(text).toMatch(/^ {2}close \(background\) +4\.0 ms/m);
    expect(text).toMatch(/^ {2}model, judging, proxies +40\.0 ms/m);
  });

  it('shares the slots among threads as evenly as it can, never more threads than slots', () => {
    expect(slotsPerShard(8, 2)).toEqual([4, 4]);
    expect(slotsPerShard(5, 2)).toEqual([3, 2]);
    expect(slotsPerShard(2, 4)).toEqual([1, 1]);
    expect(slotsPerShard(4, 1)).toEqual([4]);
  });
});

describe('a batch hands its brokers on', () => {
  it('every broker it opened is closed when it returns, and every case ran once', async () => {
    const config = resolveConfig('blog', { 'timing.restartDelayMs': '20', 'timing.reconnectDelayMs': '20' });
    if (!config.ok) throw new Error(config.error);
    const opened: BrokerControl[] = [];
    const cases = [1, 2, 3].map((seed) => ({ seed, scenario: { messages: [{ atMs: 20 }], offline: [], faults: [] } }));
    let counts: PoolCounts | undefined;
    const entries = await runBatch({
      spec: { kind: 'aedes' },
      modelConfig: () => config.value,
      realConfig: () => config.value,
      cases,
      parallel: 2,
      explainSeeds: 0,
      open: (pooled) => async (spec, broker, runMsMax) => {
        const control = await pooled(spec, broker, runMsMax);
        opened.push(control);
        return control;
      },
      onPool: (pool) => {
        counts = pool;
      },
    });
    expect(entries.map((entry) => entry.index)).toEqual([0, 1, 2]);
    expect(opened).toHaveLength(3);
    // aedes is not pooled: three started, none reused, and all gone.
    expect(counts).toEqual({ started: 3, reused: 0 });
    expect(trackedResources()).toEqual([]);
  });
});

describe.skipIf(!withMosquitto)('bench --real in two threads', () => {
  it('runs each scenario once across both and reports the figures it measured', async () => {
    const config = resolveConfig('blog', { 'timing.restartDelayMs': '20', 'timing.reconnectDelayMs': '20' });
    if (!config.ok) throw new Error(config.error);
    const figures = await benchReal({ spec: { kind: 'mosquitto' }, config: config.value, scenarios: 6, seed: 1, parallel: 2, threads: 2, idleMs: 50 });
    expect(figures.scenarios).toBe(6);
    expect(figures.threads).toBe(2);
    // Every scenario had its broker started once and, unless its run failed, its stretches counted.
    expect(figures.phases.start.count).toBe(6);
    expect(figures.brokersStarted + figures.brokersReused).toBe(6);
    expect(figures.phases['to SUBACK'].count + figures.errors).toBe(6);
    expect(figures.cpuMsPerScenario).toBeGreaterThan(0);
    expect(trackedResources()).toEqual([]);
  });
});
