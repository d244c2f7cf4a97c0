// The harness sees its own event loop stand still: a real run on aedes stalled mid-scenario
// reports it (whether or not a client timer was due), a disagreement no model run explains is
// then inconclusive ('late'), not semantic, and an explanation lets the loop turn between its
// model runs with the same result. Each stall is caused by a
// synchronous busy-wait of a known length, so every bound below holds however loaded the
// machine is (a loaded machine only makes a stall longer).
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import type { Violation } from '../../properties/types.ts';
import { cleanupAll, trackedResources } from './cleanup.ts';
import { compare, compareYielding, lateMsTolerated, runModel, type RealSide } from './differential.ts';
import { runOnBroker } from './run-real.ts';
import { delegate } from './test-flows.ts';
import { openTarget } from './targets.ts';

afterEach(async () => {
  await cleanupAll();
});

/** Longer than the tolerance by a margin, so the stall is beyond it whatever the meter's period. */
const stallMs = lateMsTolerated * 4;

/** Holds the event loop for at least `ms`: nothing else in this process runs meanwhile. */
function busyWait(ms: number): void {
  const untilMs = performance.now() + ms;
  while (performance.now() < untilMs) {
    // spin
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function config() {
  const resolved = resolveConfig('blog', { 'timing.restartDelayMs': '50', 'timing.reconnectDelayMs': '50' });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

describe('a real run whose event loop stalls', () => {
  it('reports the stall (aedes: the broker, the proxies and the clients all stood still)', async () => {
    const broker = await openTarget({ kind: 'aedes' }, config().broker);
    // The stall falls inside the scenario: when the broker is killed right after the delivery.
    const stalling = { ...delegate(broker), kill: () => (busyWait(stallMs), broker.kill()) };
    const scenario: Scenario = { messages: [{ atMs: 50 }], offline: [], faults: [{ kind: 'broker-kill', when: { kind: 'event', event: 'delivered', message: 1, delayMs: 0 } }] };
    const result = await runOnBroker(config(), scenario, stalling, { idleMs: 50 });
    await broker.close();
    expect(result.end).toBe('quiescent');
    expect(result.faults.map((fault) => fault.kind)).toEqual(['broker-kill']);
    expect(result.stallMsMax).toBeGreaterThanOrEqual(stallMs - 1);
    expect(trackedResources()).toEqual([]);
  });
});

describe('compare: a disagreement no model run explains', () => {
  const scenario: Scenario = { messages: [{ atMs: 0 }], offline: [], faults: [] };
  // A loss with no fault at all: no model run produces it, so the explanation is 'semantics'
  // unless the harness was measured late.
  const lost: Violation = { property: 'no-loss-acked', message: 1, consumer: 'consumer', producer: 'producer', summary: 'lost', evidence: [] };
  const model = runModel(config(), scenario, 1);
  const real = (lateMsMax: number, stallMsMax: number): RealSide => ({
    target: 'aedes',
    violations: [lost],
    history: model.history,
    faults: [],
    end: 'quiescent',
    elapsedMs: 100,
    links: { producer: [], consumer: [] },
    asRun: scenario,
    lateMsMax,
    replyMsMax: 0,
    stallMsMax,
  });

  it('is semantic when the harness was on time, late when its event loop stalled beyond the tolerance', () => {
    expect(model.violations).toEqual([]);
    expect(compare(config(), scenario, model, real(0, lateMsTolerated), 5).explanation).toEqual({ kind: 'semantics', seeds: 15 });
    expect(compare(config(), scenario, model, real(0, lateMsTolerated + 0.1), 5).explanation).toEqual({ kind: 'late', seeds: 15, lateMs: 0, replyMs: 0, stallMs: lateMsTolerated + 0.1 });
    expect(compare(config(), scenario, model, real(lateMsTolerated + 1, 0), 5).explanation).toEqual({ kind: 'late', seeds: 15, lateMs: lateMsTolerated + 1, replyMs: 0, stallMs: 0 });
  });

  it('explained with the loop turning between model runs, with the same result', async () => {
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const yielding = await compareYielding(config(), scenario, model, real(0, 0), 5);
    ticking = false;
    expect(yielding).toEqual(compare(config(), scenario, model, real(0, 0), 5));
    // 15 model runs (5 seeds on each network tried), the loop turned after each.
    expect(turns).toBeGreaterThanOrEqual(15);
  });
});
