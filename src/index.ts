// mqtt-dst as a library (package.json "exports"): the same machinery the command runs, for code
// and tests of one's own — configurations (presets, --set overrides, a mosquitto.conf), random
// exploration, the bounded exhaustive check, a real-broker check of one scenario, traces and
// their replay, root causes and the renderers. TypeScript sources without a build step: import
// them from a vitest test or a script run through tsx.
import type { Config } from '../models/config.ts';
import { faultKinds } from '../models/history.ts';
import { resolveConfig, type Overrides } from '../models/presets.ts';
import { confBasePreset, readMosquittoConf } from './config-file.ts';
import type { ExhaustiveBounds } from './check/exhaustive.ts';
import type { CheckResult } from './check/exhaustive-result.ts';
import { runShard } from './check/exhaustive-shard.ts';

export type { Config } from '../models/config.ts';
export type { FaultKind, History, HistoryEvent } from '../models/history.ts';
export { faultKinds } from '../models/history.ts';
export type { Scenario, Fault } from '../models/scenario.ts';
export { presets, presetNames, resolveConfig, parseOverrides, applyOverrides, type Overrides } from '../models/presets.ts';
export { importMosquittoConf, type ImportedConf } from '../models/mosquitto-conf-import.ts';
export { readMosquittoConf, confBasePreset } from './config-file.ts';
export type { PropertyName, Violation } from '../properties/types.ts';
export { propertyNames } from '../properties/index.ts';
export { judge } from './check/judge.ts';
export { explore, type ExploreOptions, type ExploreReport, type CounterexampleClass } from './explore/explore.ts';
export { defaultBounds, type ExploreBounds } from './explore/arbitraries.ts';
export type { ExhaustiveBounds } from './check/exhaustive.ts';
export type { CheckResult, CheckClass } from './check/exhaustive-result.ts';
export { checkScenario, type CheckOptions as BrokerCheckOptions, type Comparison } from './real/differential.ts';
export type { TargetSpec } from './real/targets.ts';
export { aedesModelConfig, withLoopbackNetwork } from './real/real-scenarios.ts';
export { loadTrace, saveTrace } from './trace/store.ts';
export { replayTrace, recordTrace, recordExhaustiveTrace, type Replay } from './trace/record.ts';
export type { Trace } from './trace/format.ts';
export { checkClassTraces, reportedCheckClasses, reportedExploreClasses } from './explore/reported-classes.ts';
export { classRunOf, rootCausesOf, type ClassRun, type ReportedClass, type RootCause } from './explore/root-causes.ts';
export { storyOf, titleOf } from './trace/story.ts';
export { renderTimeline } from './trace/render-text.ts';
export { renderMermaid } from './trace/render-mermaid.ts';
export { renderSequenceSvg } from './trace/render-svg.ts';
export { renderHtmlReport, type HtmlReport } from './trace/render-html.ts';

/** A configuration by preset name and `--set`-style overrides; throws naming the problem. */
export function configOf(preset: string, overrides: Overrides = {}): Config {
  const config = resolveConfig(preset, overrides);
  if (!config.ok) throw new Error(config.error);
  return config.value;
}

/** The broker a mosquitto.conf describes (include_dir followed), on Mosquitto 2.0's defaults, as `--config FILE` runs it; throws naming the file and line. */
export function configOfFile(file: string, overrides: Overrides = {}): { readonly preset: string; readonly overrides: Overrides; readonly config: Config } {
  const imported = readMosquittoConf(file);
  if (!imported.ok) throw new Error(imported.error);
  const merged = { ...imported.value.overrides, ...overrides };
  return { preset: confBasePreset, overrides: merged, config: configOf(confBasePreset, merged) };
}

/** The bounds `mqtt-dst check --exhaustive` searches when told nothing (see its help). */
export const exhaustiveBoundsDefault: ExhaustiveBounds = {
  messages: 2,
  crashesPerNode: 1,
  dropsPerLink: 1,
  faultsMax: null,
  depthMax: 200,
  resendsMax: 1,
  faultKinds,
};

export interface ExhaustiveCheckOptions {
  /** A preset name (default blog); with `overrides`, as `--preset` and `--set`. */
  readonly preset?: string;
  readonly overrides?: Overrides;
  /** Bounds beyond exhaustiveBoundsDefault. */
  readonly bounds?: Partial<ExhaustiveBounds>;
}

/**
 * `mqtt-dst check --exhaustive` in this thread: every interleaving and every fault placement
 * within the bounds. `complete` says whether nothing was cut by a bound; `classes` lists every
 * way a property failed, each with its shortest path.
 */
export function checkExhaustive(options: ExhaustiveCheckOptions = {}): CheckResult {
  const preset = options.preset ?? 'blog';
  const overrides = options.overrides ?? {};
  configOf(preset, overrides);
  return runShard({ preset, overrides, bounds: { ...exhaustiveBoundsDefault, ...options.bounds }, shard: { index: 0, count: 1 } });
}
