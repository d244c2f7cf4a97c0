// A disagreement no model run explains is semantic, unless the real run was late beyond the
// tolerance: a client's timer, or the broker's reply to a request. Then it is inconclusive
// ('late'), with the figures, never a rule and never a pass.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import type { Violation } from '../../properties/types.ts';
import { compare, lateMsTolerated, runModel, type RealSide } from './differential.ts';
import { explanationText } from './report.ts';

const config = (() => {
  const resolved = resolveConfig('blog', {});
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
})();

// One message, no fault: the model never loses it, whatever the seed.
const scenario: Scenario = { messages: [{ atMs: 100 }], offline: [], faults: [] };

/** A real side that lost the message: something no model run gives for this scenario. */
function realSide(lateMsMax: number, replyMsMax: number, stallMsMax = 0): RealSide {
  const lost: Violation = { property: 'no-loss-acked', message: 1, consumer: 'consumer', producer: 'producer', summary: 'lost', evidence: [] };
  return {
    target: 'mosquitto',
    violations: [lost],
    history: [],
    faults: [],
    end: 'quiescent',
    elapsedMs: 500,
    links: { producer: [], consumer: [] },
    asRun: scenario,
    lateMsMax,
    replyMsMax,
    stallMsMax,
  };
}

describe('a disagreement of a late run is inconclusive, not semantic', () => {
  const model = runModel(config, scenario, 1);

  it('on time: semantic', () => {
    const comparison = compare(config, scenario, model, realSide(2, 1), 20);
    expect(comparison.explanation?.kind).toBe('semantics');
  });

  it('a broker that answered a request late: inconclusive, with the figure', () => {
    const comparison = compare(config, scenario, model, realSide(2, lateMsTolerated + 6), 20);
    expect(comparison.explanation).toEqual({ kind: 'late', seeds: 60, lateMs: 2, replyMs: lateMsTolerated + 6, stallMs: 0 });
    expect(explanationText(comparison.explanation ?? { kind: 'semantics', seeds: 0 }, 'mosquitto')).toContain(`mosquitto took up to ${lateMsTolerated + 6} ms to answer a request or read a packet`);
  });

  it("a client's timer fired late: inconclusive", () => {
    const comparison = compare(config, scenario, model, realSide(lateMsTolerated + 1, 0), 20);
    expect(comparison.explanation?.kind).toBe('late');
  });

  it("the harness's event loop stalled (its proxies held the packets): inconclusive", () => {
    const comparison = compare(config, scenario, model, realSide(0, 0, lateMsTolerated + 30), 20);
    expect(comparison.explanation).toMatchObject({ kind: 'late', stallMs: lateMsTolerated + 30 });
  });
});
