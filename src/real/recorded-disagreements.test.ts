// Real runs a swarm on Mosquitto 2.0.11 recorded (src/real/recorded/: the scenario, the real
// history and faults as they happened), judged again against the model as it is now. Each was a
// semantic disagreement once and is kept for the fix that explained it; the real side is the
// recording, so the check is deterministic and needs no broker.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../models/history.ts';
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import { judge } from '../check/judge.ts';
import { compare, runModel, type Explanation } from './differential.ts';
import { withLoopbackNetwork } from './real-scenarios.ts';
import type { RealFaultRecord } from './run-real.ts';

interface Recorded {
  readonly preset: string;
  readonly overrides: Overrides;
  readonly scenario: Scenario;
  readonly modelSeed: number;
  readonly realHistory: readonly HistoryEvent[];
  readonly realFaults: readonly RealFaultRecord[];
  readonly asRun: Scenario;
}

const dir = fileURLToPath(new URL('./recorded/', import.meta.url));

function explanationOf(file: string): Explanation | 'agree' {
  const recorded = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Recorded;
  const config = resolveConfig(recorded.preset, recorded.overrides);
  if (!config.ok) throw new Error(config.error);
  const modelConfig = withLoopbackNetwork(config.value, recorded.overrides);
  const real = {
    target: 'mosquitto',
    violations: judge(recorded.realHistory, config.value),
    history: recorded.realHistory,
    faults: recorded.realFaults,
    end: 'quiescent' as const,
    elapsedMs: 0,
    links: { producer: [], consumer: [] },
    asRun: recorded.asRun,
    // On time: only the model's rules can explain it.
    lateMsMax: 0,
    replyMsMax: 0,
    stallMsMax: 0,
  };
  const comparison = compare(modelConfig, recorded.scenario, runModel(modelConfig, recorded.scenario, recorded.modelSeed), real);
  return comparison.agree ? 'agree' : (comparison.explanation ?? { kind: 'semantics', seeds: 0 });
}

describe('recorded real runs, judged again', () => {
  it('there are recorded runs', () => {
    expect(readdirSync(dir).filter((name) => name.endsWith('.json')).length).toBeGreaterThan(0);
  });

  it("swarm 32 #179: the broker back 218 ms after the kill, the consumer crashed too — timing with the broker's own restart time", () => {
    const explanation = explanationOf('swarm-32-179-broker-restart-time.json');
    expect(explanation).toMatchObject({ kind: 'timing', asRun: true });
  });
});
