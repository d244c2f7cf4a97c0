// The exhaustive search's result as a value a file can hold (`mqtt-dst check --exhaustive
// --json`), read back with validation, and merged across shards: the classes of a merged result
// are those of every shard, each with the shortest of its shards' paths — so merging the shards
// of a search gives the class list of the search run whole (see exhaustive.ts on path order).
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { err, ok, type Result } from '../../models/result.ts';
import { propertyNames } from '../../properties/index.ts';
import type { PropertyName } from '../../properties/types.ts';
import { array, fail, integer, object, oneOf, string, stringRecord, validated } from '../trace/validate.ts';
import { shorter, type ExhaustiveBounds, type ExhaustiveReport, type Shard } from './exhaustive.ts';

export const checkResultFormat = 'mqtt-dst-check';
export const checkResultVersion = 2;

export interface CheckClass {
  readonly id: string;
  readonly signature: string;
  readonly property: PropertyName;
  readonly phase: string;
  readonly culprits: number;
  /** Fault labels that struck on the shortest path, in order, deduplicated. */
  readonly faults: readonly string[];
  readonly steps: number;
  readonly choices: readonly number[];
  readonly order: readonly number[];
  /** The shortest path, step by step, as a person reads it. */
  readonly path: readonly string[];
  /** Complete runs (terminal states) that showed it; summed over shards. */
  readonly terminals: number;
  /** The trace file written for it, if any. */
  readonly trace: string | null;
}

export interface CheckResult {
  readonly format: typeof checkResultFormat;
  readonly version: typeof checkResultVersion;
  readonly preset: string;
  readonly overrides: Readonly<Record<string, string>>;
  readonly bounds: ExhaustiveBounds;
  /** The shards this result covers, each [index, count]; [[0, 1]] for a whole search. */
  readonly shards: readonly (readonly [number, number])[];
  /** Every shard of the search is here and no state was cut by the depth bound. */
  readonly complete: boolean;
  /** Summed over shards: a state reached in two shards counts twice. */
  readonly states: number;
  /** World states simulated (states without their fault records), summed over shards likewise. */
  readonly worldStates: number;
  readonly transitions: number;
  readonly terminals: number;
  readonly violatingTerminals: number;
  readonly maxDepth: number;
  readonly depthBounded: number;
  /** States whose only steps left were resends beyond the bound (their runs were not judged). */
  readonly resendBounded: number;
  readonly statesByDepth: readonly number[];
  readonly elapsedMs: number;
  readonly classes: readonly CheckClass[];
}

export interface ResultMeta {
  readonly preset: string;
  readonly overrides: Readonly<Record<string, string>>;
  readonly shard: Shard;
  /** Trace file per class id, for those written. */
  readonly traces?: ReadonlyMap<string, string>;
}

export function checkResultOf(report: ExhaustiveReport, meta: ResultMeta): CheckResult {
  return {
    format: checkResultFormat,
    version: checkResultVersion,
    preset: meta.preset,
    overrides: meta.overrides,
    bounds: report.bounds,
    shards: [[meta.shard.index, meta.shard.count]],
    complete: meta.shard.count === 1 && report.depthBounded === 0 && !report.stopped,
    states: report.states,
    worldStates: report.worldStates,
    transitions: report.transitions,
    terminals: report.terminals,
    violatingTerminals: report.violatingTerminals,
    maxDepth: report.maxDepth,
    depthBounded: report.depthBounded,
    resendBounded: report.resendBounded,
    statesByDepth: report.statesByDepth,
    elapsedMs: Math.round(report.elapsedMs),
    classes: report.classes.map((entry) => ({
      id: entry.id,
      signature: entry.signature.text,
      property: entry.signature.property,
      phase: entry.signature.phase,
      culprits: entry.signature.culprits,
      faults: entry.signature.faults,
      steps: entry.steps,
      choices: entry.choices,
      order: entry.order,
      path: entry.path,
      terminals: entry.terminals,
      trace: meta.traces?.get(entry.id) ?? null,
    })),
  };
}

/** Simplest stories first: fewer culprit faults, shorter paths, then by text (as exhaustive.ts orders them). */
export function compareCheckClasses(a: CheckClass, b: CheckClass): number {
  return a.culprits - b.culprits || a.steps - b.steps || (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0);
}

function numbers(value: unknown, path: string): number[] {
  return array(value, path).map((entry, index) => integer(entry, `${path}[${index}]`));
}

function strings(value: unknown, path: string): string[] {
  return array(value, path).map((entry, index) => string(entry, `${path}[${index}]`));
}

function parseBounds(value: unknown, path: string): ExhaustiveBounds {
  const record = object(value, path, { required: ['messages', 'crashesPerNode', 'dropsPerLink', 'faultsMax', 'depthMax', 'resendsMax', 'faultKinds'] });
  return {
    messages: integer(record['messages'], `${path}.messages`, 1),
    crashesPerNode: integer(record['crashesPerNode'], `${path}.crashesPerNode`),
    dropsPerLink: integer(record['dropsPerLink'], `${path}.dropsPerLink`),
    faultsMax: record['faultsMax'] === null ? null : integer(record['faultsMax'], `${path}.faultsMax`),
    depthMax: integer(record['depthMax'], `${path}.depthMax`, 1),
    resendsMax: integer(record['resendsMax'], `${path}.resendsMax`),
    faultKinds: array(record['faultKinds'], `${path}.faultKinds`).map((kind, index) => oneOf(kind, `${path}.faultKinds[${index}]`, faultKinds) as FaultKind),
  };
}

function parseClass(value: unknown, path: string): CheckClass {
  const record = object(value, path, {
    required: ['id', 'signature', 'property', 'phase', 'culprits', 'faults', 'steps', 'choices', 'order', 'path', 'terminals', 'trace'],
  });
  return {
    id: string(record['id'], `${path}.id`),
    signature: string(record['signature'], `${path}.signature`),
    property: oneOf(record['property'], `${path}.property`, propertyNames),
    phase: string(record['phase'], `${path}.phase`),
    culprits: integer(record['culprits'], `${path}.culprits`),
    faults: strings(record['faults'], `${path}.faults`),
    steps: integer(record['steps'], `${path}.steps`),
    choices: numbers(record['choices'], `${path}.choices`),
    order: numbers(record['order'], `${path}.order`),
    path: strings(record['path'], `${path}.path`),
    terminals: integer(record['terminals'], `${path}.terminals`),
    trace: record['trace'] === null ? null : string(record['trace'], `${path}.trace`),
  };
}

/** Validates a --json result read from a file; the error names the source and the field. */
export function parseCheckResult(value: unknown, source: string): Result<CheckResult> {
  return validated(source, () => {
    const record = object(value, 'result', {
      required: [
        'format', 'version', 'preset', 'overrides', 'bounds', 'shards', 'complete', 'states', 'worldStates', 'transitions', 'terminals',
        'violatingTerminals', 'maxDepth', 'depthBounded', 'resendBounded', 'statesByDepth', 'elapsedMs', 'classes',
      ],
    });
    if (record['format'] !== checkResultFormat) fail('result.format', `"${checkResultFormat}"`, record['format']);
    if (record['version'] !== checkResultVersion) fail('result.version', String(checkResultVersion), record['version']);
    if (typeof record['complete'] !== 'boolean') fail('result.complete', 'true or false', record['complete']);
    return {
      format: checkResultFormat,
      version: checkResultVersion,
      preset: string(record['preset'], 'result.preset'),
      overrides: stringRecord(record['overrides'], 'result.overrides'),
      bounds: parseBounds(record['bounds'], 'result.bounds'),
      shards: array(record['shards'], 'result.shards').map((entry, index) => {
        const [shardIndex, count] = numbers(entry, `result.shards[${index}]`);
        if (count === undefined || shardIndex === undefined || shardIndex >= count) fail(`result.shards[${index}]`, '[index, count] with index < count', entry);
        return [shardIndex, count] as const;
      }),
      complete: record['complete'] as boolean,
      states: integer(record['states'], 'result.states'),
      worldStates: integer(record['worldStates'], 'result.worldStates'),
      transitions: integer(record['transitions'], 'result.transitions'),
      terminals: integer(record['terminals'], 'result.terminals'),
      violatingTerminals: integer(record['violatingTerminals'], 'result.violatingTerminals'),
      maxDepth: integer(record['maxDepth'], 'result.maxDepth'),
      depthBounded: integer(record['depthBounded'], 'result.depthBounded'),
      resendBounded: integer(record['resendBounded'], 'result.resendBounded'),
      statesByDepth: numbers(record['statesByDepth'], 'result.statesByDepth'),
      elapsedMs: integer(record['elapsedMs'], 'result.elapsedMs'),
      classes: array(record['classes'], 'result.classes').map((entry, index) => parseClass(entry, `result.classes[${index}]`)),
    };
  });
}

function sameSearch(a: CheckResult, b: CheckResult): boolean {
  return a.preset === b.preset && JSON.stringify(a.overrides) === JSON.stringify(b.overrides) && JSON.stringify(a.bounds) === JSON.stringify(b.bounds);
}

/**
 * Merges results of shards of one search (same preset, overrides and bounds; no shard twice):
 * every class any shard found, with the shortest path among the shards, counts summed.
 */
export function mergeCheckResults(results: readonly CheckResult[]): Result<CheckResult> {
  const [first] = results;
  if (first === undefined) return err('nothing to merge');
  const shards = new Map<string, readonly [number, number]>();
  for (const result of results) {
    if (!sameSearch(first, result)) return err('these results are not shards of one search (preset, overrides or bounds differ)');
    for (const shard of result.shards) {
      const key = `${shard[0]}/${shard[1]}`;
      if (shards.has(key)) return err(`shard ${key} appears twice`);
      shards.set(key, shard);
    }
  }
  const counts = new Set([...shards.values()].map((shard) => shard[1]));
  const [count] = counts;
  const covered = counts.size === 1 && count !== undefined && shards.size === count;
  const classes = new Map<string, CheckClass>();
  for (const result of results) {
    for (const entry of result.classes) {
      const known = classes.get(entry.signature);
      if (known === undefined) {
        classes.set(entry.signature, entry);
        continue;
      }
      const best = shorter(entry, known) ? entry : known;
      classes.set(entry.signature, { ...best, terminals: known.terminals + entry.terminals });
    }
  }
  const statesByDepth: number[] = [];
  for (const result of results) result.statesByDepth.forEach((n, depth) => (statesByDepth[depth] = (statesByDepth[depth] ?? 0) + n));
  const sum = (field: 'states' | 'worldStates' | 'transitions' | 'terminals' | 'violatingTerminals' | 'depthBounded' | 'resendBounded'): number =>
    results.reduce((total, result) => total + result[field], 0);
  return ok({
    ...first,
    shards: [...shards.values()].sort((a, b) => a[1] - b[1] || a[0] - b[0]),
    complete: covered && results.every((result) => result.depthBounded === 0),
    states: sum('states'),
    worldStates: sum('worldStates'),
    transitions: sum('transitions'),
    terminals: sum('terminals'),
    violatingTerminals: sum('violatingTerminals'),
    maxDepth: Math.max(...results.map((result) => result.maxDepth)),
    depthBounded: sum('depthBounded'),
    resendBounded: sum('resendBounded'),
    statesByDepth,
    elapsedMs: Math.max(...results.map((result) => result.elapsedMs)),
    classes: [...classes.values()].sort(compareCheckClasses),
  });
}
