// The timed bench counts what it says it counts, and without the bare loop it says so in one
// line and still prints its own figures. No speed is asserted here: figures live in the bench.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presets } from '../../models/presets.ts';
import { caseArbitrary, defaultBounds } from '../explore/arbitraries.ts';
import { RandomChooser } from '../sim/chooser.ts';
import { runScenario } from '../sim/run.ts';
import { benchFaultsMax, benchMessages, timedBench, type BareLoop } from './bench-timed.ts';
import { mqttDst } from './run-cli.ts';

const blog = presets['blog'];
if (blog === undefined) throw new Error('no blog preset');

/** A stand-in for the bare loop that uses some CPU and reports six events per message, as the real one counts. */
const stubLoop: BareLoop = ({ schedules, messages }) => {
  let spin = 0;
  for (let i = 0; i < 200_000; i += 1) spin = (spin + i * i) % 1_000_003;
  const schedulesPerS = 1_000 + (spin % 2);
  return { eventsPerS: schedulesPerS * messages * 6, schedulesPerS };
};

describe('timed bench', () => {
  it('counts every event the world dispatched in every generated scenario, and the bare loop’s own events', () => {
    const scenarios = 40;
    const figures = timedBench({ config: blog, preset: 'blog', scenarios, seed: 5, bareLoopPath: 'stub', bareLoop: stubLoop });
    const bounds = { ...defaultBounds, messagesMin: benchMessages, messagesMax: benchMessages, faultsMax: benchFaultsMax };
    const cases = fc.sample(caseArbitrary(bounds), { seed: 5, numRuns: scenarios });
    let events = 0;
    for (const explored of cases) events += runScenario(blog, explored.scenario, new RandomChooser(explored.seed, false)).stats.events;
    expect(figures.eventsPerScenario).toBe(Number((events / scenarios).toFixed(1)));
    expect(figures.scenarios).toBe(scenarios);
    expect(figures.bareLoop?.path).toBe('stub');
    const bare = figures.bareLoop;
    if (bare === null) throw new Error('the stub loop was not run');
    expect(bare.eventsPerS / bare.schedulesPerS).toBeCloseTo(benchMessages * 6, 0);
    expect(figures.percentOfBareLoop).toBe(Number(((100 * figures.eventsPerS) / bare.eventsPerS).toFixed(1)));
  });

  it('without the bare loop: one line on stderr, the simulator’s figures on stdout, exit 0', async () => {
    const result = await mqttDst(['bench', '--scenarios', '200', '--bare-loop', 'no/such/ceiling.mjs', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      "bench: no bare event loop (a module exporting ceiling()) at no/such/ceiling.mjs from the repository's root, so no ratio; the simulator's own figures follow",
    ]);
    const figures = JSON.parse(result.stdout) as { scenarios: number; eventsPerS: number; scenariosPerS: number; bareLoop: unknown; percentOfBareLoop: unknown };
    expect(figures.scenarios).toBe(200);
    expect(figures.eventsPerS).toBeGreaterThan(0);
    expect(figures.scenariosPerS).toBeGreaterThan(0);
    expect(figures.bareLoop).toBeNull();
    expect(figures.percentOfBareLoop).toBeNull();
  });

  it('refuses --bare-loop with --real before doing any work', async () => {
    const result = await mqttDst(['bench', '--real', '--bare-loop', 'x.mjs']);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
