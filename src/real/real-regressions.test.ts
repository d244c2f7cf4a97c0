// The semantic disagreements swarms found on real brokers, each closed by a model fix, kept as
// regression cases in traces/real/. Their model side is an ordinary trace, replayed byte for byte
// by src/trace/saved-traces.test.ts; here their real side runs on the broker they were found on
// and must give a verdict the model can produce: the same one, or one another seed of the model
// gives (timing). A semantic disagreement here means the model lost the rule the case was kept for.
// A case whose settings name `broker.profile=aedes-1.2` (with the rest of aedesModelConfig) runs
// on an embedded aedes, always; every other case on Mosquitto, when installed (CI installs it and
// MQTT_DST_REQUIRE_MOSQUITTO=1 makes its absence a failure).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import { loadTrace } from '../trace/store.ts';
import { cleanupAll } from './cleanup.ts';
import { checkScenario } from './differential.ts';
import { isMosquittoAvailable, isMosquittoRequired } from './mosquitto.ts';
import { withLoopbackNetwork } from './real-scenarios.ts';
import { comparisonTable } from './report.ts';
import type { TargetSpec } from './targets.ts';

const dir = fileURLToPath(new URL('../../traces/real/', import.meta.url));
const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
const withMosquitto = isMosquittoAvailable() || isMosquittoRequired();

type Target = Extract<TargetSpec, { readonly kind: 'mosquitto' | 'aedes' }>;

function targetOf(name: string): Target {
  const trace = loadTrace(`${dir}${name}`);
  if (!trace.ok) throw new Error(trace.error);
  return { kind: trace.value.overrides['broker.profile'] === 'aedes-1.2' ? 'aedes' : 'mosquitto' };
}

const aedesFiles = files.filter((name) => targetOf(name).kind === 'aedes');
const mosquittoFiles = files.filter((name) => targetOf(name).kind === 'mosquitto');

afterEach(async () => {
  await cleanupAll();
});

async function checkCase(name: string, target: Target): Promise<void> {
  const trace = loadTrace(`${dir}${name}`);
  if (!trace.ok) throw new Error(trace.error);
  const { preset, overrides, scenario, seed } = trace.value;
  const config = resolveConfig(preset, overrides);
  if (!config.ok) throw new Error(config.error);
  // An aedes case's settings are already the model of aedes (aedesModelConfig); aedes itself
  // reads only `persistence` from them.
  const modelConfig = withLoopbackNetwork(config.value, overrides);
  const comparison = await checkScenario(target, { modelConfig, realConfig: config.value, scenario, modelSeed: seed, idleMs: 150, explainSeeds: 100 });
  console.log([`${target.kind}: ${name}`, ...comparisonTable(comparison, '  ')].join('\n'));
  expect(comparison.real.end).toBe('quiescent');
  expect(comparison.explanation?.kind ?? 'agree').not.toBe('semantics');
  // The broker did something: every case publishes, and a quiet run proves nothing.
  expect(comparison.real.history.some((event) => event.kind === 'publish-invoked')).toBe(true);
}

describe('traces/real', () => {
  it('holds regression cases for both brokers', () => {
    expect(mosquittoFiles.length).toBeGreaterThan(0);
    expect(aedesFiles.length).toBeGreaterThan(0);
  });

  it.each(aedesFiles)('%s: aedes gives a verdict the model can produce', async (name) => {
    await checkCase(name, { kind: 'aedes' });
  });

  if (!withMosquitto) {
    it.skip('real side: mosquitto is not installed (Debian: apt-get install mosquitto)', () => {});
    return;
  }

  it.each(mosquittoFiles)('%s: Mosquitto gives a verdict the model can produce', async (name) => {
    await checkCase(name, { kind: 'mosquitto' });
  });
});
