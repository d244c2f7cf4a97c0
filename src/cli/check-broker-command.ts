// `mqtt-dst check-broker`: the same scenarios and properties against a real broker over TCP —
// Mosquitto, an embedded aedes, or one already running at a URL — with faults struck for real,
// and the model's verdict printed beside the broker's. Exit 0: they agree and nothing was
// violated; 1: violations, and the model predicted exactly those; 3: the model and the broker
// disagree (or a run failed); 2: bad input, or the broker cannot be had.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../models/config.ts';
import { producersOf, scenarioProducerProblem, type Scenario } from '../../models/scenario.ts';
import type { ExploreCase } from '../explore/arbitraries.ts';
import { runBatch, warmUp, type BatchEntry } from '../real/batch.ts';
import { errorMessage } from '../real/bounded.ts';
import { cleanupAll, sweepStale } from '../real/cleanup.ts';
import { mosquittoConf } from '../real/mosquitto-conf.ts';
import { comparisonJson, comparisonTable, explanationText, tally, verdictSummary } from '../real/report.ts';
import { aedesModelConfig, faultKindsFor, realBoundsDefault, sampleRealCases, withLoopbackNetwork, type RealScenarioBounds } from '../real/real-scenarios.ts';
import { checkScenarioForTarget } from '../real/run-real.ts';
import { BrokerUnavailableError, parseBrokerUrl, type TargetSpec } from '../real/targets.ts';
import { checkOutputDir, writeOutputSet, type OutputFile } from '../trace/output-dir.ts';
import { writeFileAtomic } from '../trace/store.ts';
import { renderHtmlReport, type SideBySide } from '../trace/render-html.ts';
import { renderHistory } from '../trace/render-text.ts';
import { parseScenario } from '../trace/scenario-json.ts';
import { Invalid } from '../trace/validate.ts';
import type { Overrides } from '../../models/presets.ts';
import { overridesText, type SwarmCase } from '../explore/swarm.ts';
import { entryOverrides, rerunCommand, semanticLead, swarmCasesFor } from './check-broker-swarm.ts';
import { describeScenario } from './describe-case.ts';
import { configFrom, faultList, htmlFileFrom, limits, parse, readInput, seedOption, usable, wholeNumber, type ResolvedConfig } from './options.ts';
import { inconclusiveLine, tooInconclusive } from '../check/inconclusive.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const checkBrokerHelp = `mqtt-dst check-broker (--target mosquitto|aedes | --url mqtt://HOST:PORT) [options]
  runs scenarios against a real broker over TCP, faults struck for real, the model's verdict beside it
  --target KIND      mosquitto (started per scenario on 127.0.0.1) or aedes (embedded)
  --url URL          an external broker: client crashes and connection drops only
  --preset NAME      configuration preset (default blog); --set PATH=VALUE overrides, repeatable
  --config X         a preset name, or a mosquitto.conf: the model and the real broker both run its settings
  --scenario FILE    one scenario (JSON, as in a trace's "scenario"; a trace file works too)
  --runs N           random scenarios with event-anchored faults (default 20), --seed N (default 1)
  --swarm N          N scenarios whose broker and client settings are drawn too (printed with each)
  --messages N       at most N messages per random scenario (default 3)
  --max-faults N     at most N faults per random scenario (default 2; at least 1)
  --faults LIST      fault kinds of random scenarios, comma-separated, 'all' (default)
  --parallel N       scenarios at once, each with its own broker (default 1)
  --idle-ms N        quiescence: this long with no packet or history event (default 300)
  --cap-ms N         wall-clock bound on a run beyond the scenario's end (default 10000)
  --out DIR          write each disagreement (scenario, both histories, verdicts) as JSON there
  --html FILE        also write a self-contained HTML report: each scenario's model and real timelines side by side
  --json             print the report as JSON on stdout
  exit: 0 no violation; 1 violations the model can produce; 3 a semantic disagreement or a failed run;
        4 too many runs cut by the cap or run too late to judge (inconclusive); 2 bad input or no broker`;

const options = {
  target: { type: 'string' },
  url: { type: 'string' },
  preset: { type: 'string' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  scenario: { type: 'string' },
  runs: { type: 'string' },
  swarm: { type: 'string' },
  seed: { type: 'string' },
  messages: { type: 'string' },
  'max-faults': { type: 'string' },
  faults: { type: 'string' },
  parallel: { type: 'string' },
  'idle-ms': { type: 'string' },
  'cap-ms': { type: 'string' },
  out: { type: 'string' },
  html: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function targetFrom(target: string | undefined, url: string | undefined): TargetSpec {
  if (target !== undefined && url !== undefined) throw new UsageError('check-broker: give --target or --url, not both');
  if (url !== undefined) {
    const parsed = parseBrokerUrl(url);
    if (!parsed.ok) throw new UsageError(`check-broker: ${parsed.error}`);
    return { kind: 'url', ...parsed.value };
  }
  if (target === 'mosquitto' || target === 'aedes') return { kind: target };
  if (target === undefined) throw new UsageError('check-broker: missing --target mosquitto|aedes or --url mqtt://HOST:PORT');
  throw new UsageError(`check-broker: --target: expected mosquitto or aedes, got '${target}'`);
}

function readScenario(file: string): Scenario {
  const text = readInput(file, '--scenario');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  // A trace file, or a disagreement check-broker --out wrote, carries its scenario under
  // "scenario"; a scenario file is the scenario itself.
  const isTrace = value !== null && typeof value === 'object' && !Array.isArray(value) && 'scenario' in value;
  try {
    return isTrace ? parseScenario((value as { scenario?: unknown }).scenario, 'scenario') : parseScenario(value, 'scenario');
  } catch (error) {
    if (error instanceof Invalid) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

/** What the broker configuration means on each target; settings a target cannot honour are refused. */
function checkConfigForTarget(spec: TargetSpec, config: Config): void {
  if (spec.kind !== 'mosquitto') return;
  if (config.broker.profile === 'aedes-1.2') throw new UsageError('check-broker: broker.profile aedes-1.2 is the model of aedes; use --target aedes');
  if (config.broker.save_before_ack === true) {
    throw new UsageError('check-broker: broker.save_before_ack is a hypothetical broker, not a Mosquitto setting; use --target aedes (which saves every change before acknowledging)');
  }
  const conf = mosquittoConf(config.broker, { port: 1883, persistenceDir: '/tmp/mqtt-dst', asRoot: false });
  if (!conf.ok) throw new UsageError(`check-broker: ${conf.error}`);
}

/** For an external broker every run gets client ids and a topic of its own, so runs cannot see each other's sessions. */
function realConfigFor(spec: TargetSpec, config: Config, runTag: string): (index: number) => Config {
  if (spec.kind !== 'url') return () => config;
  return (index) => {
    const tag = `${runTag}-${index}`;
    return {
      ...config,
      topic: `${config.topic}/mqtt-dst-${tag}`,
      producer: { ...config.producer, client_id: `${config.producer.client_id}-${tag}` },
      producer2: { ...config.producer2, client_id: `${config.producer2.client_id}-${tag}` },
      consumer: { ...config.consumer, client_id: `${config.consumer.client_id}-${tag}` },
    };
  };
}

function targetName(spec: TargetSpec): string {
  return spec.kind === 'url' ? `mqtt://${spec.host}:${spec.port}` : spec.kind;
}

type Values = ReturnType<typeof parse<typeof options>>['values'];

export async function checkBrokerCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, options, 'check-broker');
  if (positionals.length > 0) throw new UsageError(`check-broker: unexpected argument '${positionals[0]}'`);
  const spec = targetFrom(values.target, values.url);
  const html = htmlFileFrom(values.html);
  const resolved = configFrom(values.preset, values.set, values.config);
  checkConfigForTarget(spec, resolved.config);
  if ([values.scenario, values.runs, values.swarm].filter((value) => value !== undefined).length > 1) {
    throw new UsageError('check-broker: give one of --scenario FILE, --runs N, --swarm N');
  }
  const seed = seedOption(values.seed);
  const cases = casesFrom(spec, resolved, values, seed);
  const parallel = wholeNumber(values.parallel, '--parallel', 1, 1, limits.parallel);
  const idleMs = wholeNumber(values['idle-ms'], '--idle-ms', 300, 1, limits.idleMs);
  const capMs = wholeNumber(values['cap-ms'], '--cap-ms', 10_000, 1, limits.capMs);
  if (values.out !== undefined) usable(checkOutputDir(values.out));
  const configs = caseConfigs(spec, resolved, values.swarm === undefined ? undefined : (cases as readonly SwarmCase[]));
  const startedMs = performance.now();
  const single = values.scenario !== undefined;
  // One mark per finished scenario (. agree, v agree with violations, D disagree, I inconclusive, E failed), on a terminal only.
  const progress = !values.json && !single && process.stderr.isTTY === true;
  const entries = await runCases(spec, configs, { cases, parallel, idleMs, capMs, progress });
  if (progress) process.stderr.write('\n');
  const elapsedS = (performance.now() - startedMs) / 1000;
  const { written, failure } = writeDisagreements(values.out, spec, resolved, entries);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(jsonReport(spec, resolved, configs.modelConfig, seed, entries, elapsedS, written))}\n`);
  } else {
    process.stdout.write(textReport(spec, resolved, configs.modelConfig, seed, single, entries, elapsedS, written));
  }
  if (html !== undefined) {
    const [title = '', ...facts] = headLines(spec, resolved, configs.modelConfig, seed, single ? null : entries.length);
    writeFileAtomic(html, renderHtmlReport({ title, facts: [...facts, tallyLine(entries, elapsedS)], sections: [], comparisons: entries.map((entry) => sideBySide(spec, entry)) }));
    process.stderr.write(`HTML report: ${html}\n`);
  }
  // The report is out; only now may a failed write end the command.
  if (failure !== undefined) throw failure;
  return checkBrokerExit(entries);
}

/** The scenarios to run: a swarm, one scenario file, or random scenarios within the bounds given. */
function casesFrom(spec: TargetSpec, resolved: ResolvedConfig, values: Values, seed: number): readonly ExploreCase[] {
  const controllable = spec.kind !== 'url';
  if (values.swarm !== undefined) return swarmCasesFor(spec, resolved, values, seed);
  if (values.scenario !== undefined) {
    const scenario = readScenario(values.scenario);
    const refusal = checkScenarioForTarget(scenario, { name: targetName(spec), controllable }) ?? scenarioProducerProblem(scenario, resolved.config);
    if (refusal !== undefined) throw new UsageError(`${values.scenario}: ${refusal}`);
    return [{ scenario, seed }];
  }
  const requested = faultList(values.faults);
  const faultKinds = faultKindsFor(controllable, requested);
  if (faultKinds.length === 0) throw new UsageError(`check-broker: --faults ${values.faults ?? 'all'}: no fault kind applies to ${targetName(spec)} (client crashes and connection drops only)`);
  const faultsMax = wholeNumber(values['max-faults'], '--max-faults', realBoundsDefault.faultsMax, 1, limits.faults);
  const bounds: RealScenarioBounds = {
    ...realBoundsDefault,
    faultKinds,
    messagesMax: wholeNumber(values.messages, '--messages', realBoundsDefault.messagesMax, 1, limits.realMessages),
    faultsMax,
    faultsMin: Math.min(realBoundsDefault.faultsMin, faultsMax),
  };
  return sampleRealCases(bounds, wholeNumber(values.runs, '--runs', 20, 1, limits.realRuns), seed, producersOf(resolved.config));
}

interface CaseConfigs {
  /** The model of the configuration resolved from the options (a swarm case may bring its own). */
  readonly modelConfig: Config;
  /** The warm-up run's real configuration. */
  readonly warmUpConfig: Config;
  readonly model: (index: number) => Config;
  readonly real: (index: number) => Config;
}

/** Each case's model and real configurations: a swarm case brings its own, every other case runs the one resolved. */
function caseConfigs(spec: TargetSpec, resolved: ResolvedConfig, swarm: readonly SwarmCase[] | undefined): CaseConfigs {
  const modelConfigOf = (config: Config, overrides: Overrides): Config => withLoopbackNetwork(spec.kind === 'aedes' ? aedesModelConfig(config, overrides) : config, overrides);
  const modelConfig = modelConfigOf(resolved.config, resolved.overrides);
  const realConfig = realConfigFor(spec, resolved.config, `${process.pid}-${Date.now()}`);
  return {
    modelConfig,
    warmUpConfig: realConfig(-1),
    model: (index) => {
      const own = swarm?.[index];
      return own === undefined ? modelConfig : modelConfigOf(own.config, own.overrides);
    },
    real: (index) => {
      const own = swarm?.[index];
      return own === undefined ? realConfig(index) : realConfigFor(spec, own.config, `${process.pid}-${Date.now()}`)(index);
    },
  };
}

interface CaseRun {
  readonly cases: readonly ExploreCase[];
  readonly parallel: number;
  readonly idleMs: number;
  readonly capMs: number;
  readonly progress: boolean;
}

/** Runs every case on the real broker and the model; whatever happens, nothing it started is left behind. */
async function runCases(spec: TargetSpec, configs: CaseConfigs, run: CaseRun): Promise<BatchEntry[]> {
  // What a killed run left behind (temp dirs of a dead pid, a broker still running from one) goes first.
  sweepStale();
  const onSignal = (signal: NodeJS.Signals): void => {
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await warmUp(spec, configs.warmUpConfig, { capMs: run.capMs }).catch((error: unknown) => {
      if (error instanceof BrokerUnavailableError) throw error;
      // The warm-up only pays for JIT and lazy loading; its failure is a scenario's to report.
      process.stderr.write(`mqtt-dst: check-broker: warm-up run failed (${errorMessage(error).split('\n')[0]}); going on\n`);
    });
    return await runBatch({
      spec,
      modelConfig: configs.model,
      realConfig: configs.real,
      cases: run.cases,
      parallel: run.parallel,
      idleMs: run.idleMs,
      capMs: run.capMs,
      ...(run.progress ? { onEntry: (entry: BatchEntry) => process.stderr.write(progressMark(entry)) } : {}),
    });
  } catch (error) {
    if (error instanceof BrokerUnavailableError) throw new UsageError(`check-broker: ${error.message}`);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanupAll();
  }
}

/**
 * A timing disagreement is consistent: the model produces the broker's verdict with another
 * seed. Only a semantic one (or a failed run) is exit 3; violations the broker showed in a run
 * that ended on its own are 1; a batch with too many runs cut by a bound, or whose clients ran too
 * late to be judged, says nothing (4).
 */
function checkBrokerExit(entries: readonly BatchEntry[]): number {
  const counts = tally(entries);
  const inconclusive = tooInconclusive(counts.inconclusive + counts.late, counts.scenarios);
  if (inconclusive) {
    const remedy = `${counts.inconclusive} cut by the cap or the model's bounds (raise --cap-ms), ${counts.late} whose clients ran too late to judge (rerun on a quieter machine)`;
    process.stderr.write(inconclusiveLine('check-broker', counts.inconclusive + counts.late, counts.scenarios, 'scenarios', remedy));
  }
  if (counts.semantics > 0 || counts.errors > 0) return exitCodes.disagreement;
  const violating = entries.some((entry) => 'comparison' in entry && !entry.comparison.inconclusive && entry.comparison.real.violations.length > 0);
  if (violating) return exitCodes.violations;
  return inconclusive ? exitCodes.inconclusive : exitCodes.ok;
}

/** One scenario's two timelines for the HTML report: the model's and the real broker's. */
function sideBySide(spec: TargetSpec, entry: BatchEntry): SideBySide {
  const heading = `${entry.index + 1}. ${describeScenario(entry.case.scenario)}`;
  const id = `scenario-${entry.index + 1}`;
  if (!('comparison' in entry)) return { id, heading: `${heading}: ERROR`, verdict: [entry.error], model: [], real: [] };
  const { comparison } = entry;
  const name = targetName(spec);
  const verdict = [
    `${comparison.inconclusive ? 'CUT (inconclusive)' : comparison.agree ? 'agree' : 'DISAGREE'} — model: ${verdictSummary(comparison.model.violations, comparison.model.history)}; ${name}: ${verdictSummary(comparison.real.violations, comparison.real.history)}`,
    ...(comparison.explanation === undefined ? [] : [explanationText(comparison.explanation, name)]),
  ];
  return { id, heading, verdict, model: renderHistory(comparison.model.history, comparison.model.violations), real: renderHistory(comparison.real.history, comparison.real.violations) };
}

function progressMark(entry: BatchEntry): string {
  if (!('comparison' in entry)) return 'E';
  if (entry.comparison.inconclusive) return 'I';
  if (!entry.comparison.agree) return 'D';
  return entry.comparison.real.violations.length > 0 ? 'v' : '.';
}

function modelNote(spec: TargetSpec, config: Config, modelConfig: Config): string {
  const network = `model network: ${modelConfig.network.latencyMsMin}-${modelConfig.network.latencyMsMax} ms a packet`;
  if (spec.kind !== 'aedes') return network;
  const b = modelConfig.broker;
  const saving = config.broker.persistence ? 'saves every change before acknowledging (save_before_ack)' : 'keeps nothing across a restart (persistence false)';
  return `${network}; model of aedes: the broker ${saving}, max_inflight_messages ${b.max_inflight_messages}, max_queued_messages ${b.max_queued_messages} (aedes has no such limits), queue_qos0_messages ${b.queue_qos0_messages} (aedes never queues QoS 0)`;
}

/** Every run that did not agree, as a file in dir (exactly these, beside the manifest); on failure no file is claimed. */
function writeDisagreements(
  dir: string | undefined,
  spec: TargetSpec,
  resolved: ResolvedConfig,
  entries: readonly BatchEntry[],
): { readonly written: ReadonlyMap<number, string>; readonly failure?: Error } {
  if (dir === undefined) return { written: new Map() };
  const files = entries.flatMap((entry) => ('comparison' in entry && entry.comparison.agree ? [] : [{ index: entry.index, ...disagreementFile(dir, spec, resolved, entry) }]));
  try {
    writeOutputSet(dir, files);
  } catch (error) {
    return { written: new Map(), failure: new Error(`writing disagreements to ${dir}: ${errorMessage(error)}`) };
  }
  return { written: new Map(files.map((file) => [file.index, join(dir, file.name)])) };
}

function disagreementFile(dir: string, spec: TargetSpec, resolved: ResolvedConfig, entry: BatchEntry): OutputFile {
  const name = `${spec.kind}-${String(entry.index + 1).padStart(3, '0')}.json`;
  const file = join(dir, name);
  const body =
    'comparison' in entry
      ? {
          target: targetName(spec),
          preset: resolved.preset,
          overrides: entryOverrides(entry, resolved),
          scenario: entry.case.scenario,
          modelSeed: entry.case.seed,
          rerun: rerunCommand(spec, resolved, entry, file),
          ...comparisonJson(entry.comparison),
          modelHistory: entry.comparison.model.history,
          realHistory: entry.comparison.real.history,
          realFaults: entry.comparison.real.faults,
          asRun: entry.comparison.real.asRun,
          realLinks: entry.comparison.real.links,
        }
      : { target: targetName(spec), preset: resolved.preset, overrides: entryOverrides(entry, resolved), scenario: entry.case.scenario, modelSeed: entry.case.seed, error: entry.error };
  return { name, text: `${JSON.stringify(body, null, 2)}\n` };
}

function jsonReport(
  spec: TargetSpec,
  resolved: ResolvedConfig,
  modelConfig: Config,
  seed: number,
  entries: readonly BatchEntry[],
  elapsedS: number,
  written: ReadonlyMap<number, string>,
): object {
  return {
    target: targetName(spec),
    preset: resolved.preset,
    overrides: resolved.overrides,
    seed,
    modelNote: modelNote(spec, resolved.config, modelConfig),
    ...tally(entries),
    elapsedS: Number(elapsedS.toFixed(2)),
    results: entries.map((entry) => ({
      index: entry.index + 1,
      scenario: entry.case.scenario,
      modelSeed: entry.case.seed,
      ...('overrides' in entry.case ? { overrides: entryOverrides(entry, resolved) } : {}),
      ...('comparison' in entry ? comparisonJson(entry.comparison) : { error: entry.error }),
      ...(written.has(entry.index) ? { file: written.get(entry.index) } : {}),
    })),
  };
}

/** What was run: the target, the configuration, the seed, how the model was set up. */
function headLines(spec: TargetSpec, resolved: ResolvedConfig, modelConfig: Config, seed: number, scenarios: number | null): string[] {
  const overrides = Object.entries(resolved.overrides).map(([key, value]) => ` ${key}=${value}`).join('');
  const runs = scenarios === null ? `model seed ${seed}` : `${scenarios} scenarios, seed ${seed}`;
  return [`mqtt-dst check-broker: ${targetName(spec)}, preset ${resolved.preset}${overrides}, ${runs}`, modelNote(spec, resolved.config, modelConfig)];
}

function tallyLine(entries: readonly BatchEntry[], elapsedS: number): string {
  const t = tally(entries);
  return (
    `${t.scenarios} scenario${t.scenarios === 1 ? '' : 's'} in ${elapsedS.toFixed(1)} s: ${t.agree} agree (${t.agreeViolating} with violations), ` +
    `${t.disagree} disagree (${t.timing} timing, ${t.semantics} semantics, ${t.late} inconclusive: clients ran late), ${t.errors} failed to run, ${t.inconclusive} cut by a bound (inconclusive); ${t.capHits} hit the wall-clock cap`
  );
}

function textReport(
  spec: TargetSpec,
  resolved: ResolvedConfig,
  modelConfig: Config,
  seed: number,
  single: boolean,
  entries: readonly BatchEntry[],
  elapsedS: number,
  written: ReadonlyMap<number, string>,
): string {
  const name = targetName(spec);
  const lines = headLines(spec, resolved, modelConfig, seed, single ? null : entries.length);
  for (const entry of entries) {
    const number = `${String(entry.index + 1).padStart(3)}.`;
    const described = describeScenario(entry.case.scenario);
    if (!('comparison' in entry)) {
      lines.push('', `${number} ERROR     ${described}`, `     ${entry.error.split('\n').join('\n     ')}`);
      // A failed run's drawn settings too: they are what reproduces it.
      if ('overrides' in entry.case) lines.push(`     config: ${overridesText(entryOverrides(entry, resolved)) || 'the preset as it is'}`);
      continue;
    }
    const { comparison } = entry;
    const label = comparison.inconclusive ? 'CUT      ' : comparison.agree ? 'agree    ' : 'DISAGREE ';
    const summary = `model: ${verdictSummary(comparison.model.violations, comparison.model.history)} | ${name}: ${verdictSummary(comparison.real.violations, comparison.real.history)}`;
    const full = single || !comparison.agree || comparison.real.end === 'cap';
    if (full) {
      lines.push('', `${number} ${label}${described}`, ...comparisonTable(comparison));
    } else {
      lines.push(`${number} ${label}${described}`, `     ${summary}`);
    }
    if ('overrides' in entry.case) lines.push(`     config: ${overridesText(entryOverrides(entry, resolved)) || 'the preset as it is'}`);
    const file = written.get(entry.index);
    if (file !== undefined) lines.push(`     written: ${file}`);
  }
  lines.push('', ...semanticLead(spec, resolved, entries, written), tallyLine(entries, elapsedS));
  const firstDisagreement = entries.find((entry) => 'comparison' in entry && !entry.comparison.agree);
  if (firstDisagreement !== undefined && 'comparison' in firstDisagreement && firstDisagreement.comparison.explanation !== undefined) {
    lines.push(`first disagreement (#${firstDisagreement.index + 1}): ${explanationText(firstDisagreement.comparison.explanation, name)}`);
  }
  return `${lines.join('\n')}\n`;
}
