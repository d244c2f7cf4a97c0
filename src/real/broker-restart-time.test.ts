// A real broker comes back later than the supervisor's delay (its start-up on top), while the
// clients restart on the harness's timer: a run is explained with the broker's own restart time
// whenever the broker crashed once, whatever the clients did.
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../models/history.ts';
import { resolveConfig } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import { RandomChooser } from '../sim/chooser.ts';
import { runScenario } from '../sim/run.ts';
import { asRunOf } from './differential.ts';
import type { RealFaultRecord } from './run-real.ts';

const scenario: Scenario = {
  messages: [{ atMs: 100 }],
  offline: [],
  faults: [
    { kind: 'broker-kill', when: { kind: 'time', atMs: 150 } },
    { kind: 'consumer-crash', when: { kind: 'time', atMs: 160 } },
  ],
};

describe("the broker's own restart time", () => {
  it('is taken from a run where the broker crashed once and a client crashed too', () => {
    const faults: RealFaultRecord[] = [
      { index: 0, kind: 'broker-kill', target: 'broker', atMs: 159 },
      { index: 1, kind: 'consumer-crash', target: 'consumer', atMs: 476.3 },
    ];
    const history: HistoryEvent[] = [
      { kind: 'restarted', node: 'broker', atMs: 376.97 },
      { kind: 'restarted', node: 'consumer', atMs: 677.3 },
    ];
    expect(asRunOf({ faults, history, asRun: scenario })).toEqual({ scenario, restartDelayMs: 218 });
  });

  it('is not taken when the broker crashed twice: one figure cannot stand for two', () => {
    const faults: RealFaultRecord[] = [
      { index: 0, kind: 'broker-kill', target: 'broker', atMs: 100 },
      { index: 1, kind: 'broker-restart', target: 'broker', atMs: 400 },
    ];
    const history: HistoryEvent[] = [{ kind: 'restarted', node: 'broker', atMs: 320 }];
    expect(asRunOf({ faults, history, asRun: scenario })).toEqual({ scenario });
  });

  it('moves only the broker in the model: timing.brokerRestartDelayMs', () => {
    const resolved = resolveConfig('blog', {});
    if (!resolved.ok) throw new Error(resolved.error);
    const config = { ...resolved.value, timing: { ...resolved.value.timing, brokerRestartDelayMs: 218 } };
    const result = runScenario(config, scenario, new RandomChooser(1));
    const restarted = (node: string) => result.history.find((event) => event.kind === 'restarted' && event.node === node)?.atMs;
    expect(restarted('broker')).toBe(150 + 218);
    expect(restarted('consumer')).toBe(160 + config.timing.restartDelayMs);
  });
});
