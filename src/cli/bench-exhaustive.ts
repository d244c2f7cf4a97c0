// `mqtt-dst bench --exhaustive`: how fast the exhaustive search goes and how far it gets, on bounds
// of growing size up to the target (blog, 2 messages, <= 1 crash per node, <= 1 drop per link),
// each stopped at --time-limit if it has not exhausted its bound by then; and where the states
// come from: the bound of the design's state-space table (a persistent producer, one message)
// with each fault kind alone and all together. Figures are printed, never asserted; states by
// depth show where a bound's state space grows, simulated states how many world states the
// fault records split.
import { performance } from 'node:perf_hooks';
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { exhaustiveSearch, type ExhaustiveBounds, type ExhaustiveReport } from '../check/exhaustive.ts';
import { configFrom, parse, wholeNumber } from './options.ts';
import { exitCodes, UsageError } from './usage-error.ts';

export const benchExhaustiveHelp = `mqtt-dst bench --exhaustive [--preset NAME] [--set PATH=VALUE] [--rows growing|faults|all] [--time-limit S] [--json]
  states/s, time and memory of the exhaustive search on growing bounds, up to 2 messages, <= 1 crash
  per node, <= 1 drop per link ('growing'), and on a persistent producer with each fault kind alone and
  all together ('faults': where the states come from); each bound stopped after --time-limit seconds
  (default 300)`;

const options = {
  exhaustive: { type: 'boolean' },
  preset: { type: 'string' },
  set: { type: 'string', multiple: true },
  'time-limit': { type: 'string' },
  rows: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const clientFaults: readonly FaultKind[] = ['consumer-crash', 'producer-crash', 'connection-drop'];

function bound(messages: number, kinds: readonly FaultKind[], faultsMax: number | null): ExhaustiveBounds {
  return { messages, crashesPerNode: 1, dropsPerLink: 1, faultsMax, depthMax: 400, resendsMax: 1, faultKinds: kinds };
}

type RowGroup = 'growing' | 'faults';

interface BenchBound {
  readonly name: string;
  readonly group: RowGroup;
  readonly bounds: ExhaustiveBounds;
  /** --set overrides of the row, over the command's own. */
  readonly sets?: readonly string[];
}

/** The bound of the design's state-space table: a persistent producer, broker kills, consumer crashes and link drops. */
const persistentProducer = ['producer.clean_session=false'];
const tableKinds: readonly FaultKind[] = ['broker-kill', 'consumer-crash', 'connection-drop'];

const faultRows: readonly BenchBound[] = [
  ...[[], ['consumer-crash'], ['broker-kill'], ['connection-drop']].map(
    (kinds): BenchBound => ({
      name: `persistent producer, 1 message, ${kinds.length === 0 ? 'no fault' : `${kinds[0]} only`}`,
      group: 'faults',
      bounds: bound(1, kinds as FaultKind[], null),
      sets: persistentProducer,
    }),
  ),
  { name: 'persistent producer, 1 message, broker-kill,consumer-crash,connection-drop (target: 10 s)', group: 'faults', bounds: bound(1, tableKinds, null), sets: persistentProducer },
  { name: 'persistent producer, 2 messages, broker-kill,consumer-crash,connection-drop (target: 2 min)', group: 'faults', bounds: bound(2, tableKinds, null), sets: persistentProducer },
];

const bounds: readonly BenchBound[] = [
  ...[
    { name: '1 message, one client crash or link drop (npm test)', bounds: bound(1, clientFaults, 1) },
    { name: '1 message, one fault of any kind', bounds: bound(1, faultKinds, 1) },
    { name: '2 messages, one client crash', bounds: bound(2, ['consumer-crash', 'producer-crash'], 1) },
    { name: '2 messages, one fault of any kind', bounds: bound(2, faultKinds, 1) },
    { name: '2 messages, a producer crash and a consumer crash in one run', bounds: bound(2, ['consumer-crash', 'producer-crash'], null) },
    { name: '2 messages, <= 1 crash per node, <= 1 drop per link (target: 10 min)', bounds: bound(2, faultKinds, null) },
  ].map((row): BenchBound => ({ ...row, group: 'growing' })),
  ...faultRows,
];

export interface ExhaustiveBenchRow {
  readonly name: string;
  readonly sets: readonly string[];
  readonly bounds: ExhaustiveBounds;
  readonly exhausted: boolean;
  readonly states: number;
  readonly worldStates: number;
  /** States with a fault-record list: those of world states from which a violation can be reached. */
  readonly recordStates: number;
  /** World states at which only one client's steps were taken (the partial-order reduction), and by which set. */
  readonly reducedStates: number;
  readonly reducedBySet: ExhaustiveReport['reducedBySet'];
  readonly transitions: number;
  readonly classes: number;
  readonly elapsedS: number;
  readonly statesPerS: number;
  readonly maxDepth: number;
  readonly statesByDepth: readonly number[];
  readonly heapUsedMb: number;
  readonly peakRssMb: number;
}

export function benchExhaustiveCommand(args: readonly string[]): number {
  const { values, positionals } = parse(args, options, 'bench --exhaustive');
  if (positionals.length > 0) throw new UsageError(`bench: unexpected argument '${positionals[0]}'`);
  const { preset } = configFrom(values.preset, values.set);
  const limitS = wholeNumber(values['time-limit'], '--time-limit', 300, 1);
  const group = values.rows ?? 'all';
  if (group !== 'all' && group !== 'growing' && group !== 'faults') throw new UsageError(`--rows: expected growing, faults or all, got '${group}'`);
  const rows: ExhaustiveBenchRow[] = [];
  for (const entry of bounds) {
    if (group !== 'all' && entry.group !== group) continue;
    const { config } = configFrom(values.preset, [...(values.set ?? []), ...(entry.sets ?? [])]);
    const startedMs = performance.now();
    const report = exhaustiveSearch({ config, bounds: entry.bounds, stopAfterMs: limitS * 1000 });
    const elapsedS = (performance.now() - startedMs) / 1000;
    const memory = process.memoryUsage();
    rows.push({
      name: entry.name,
      sets: entry.sets ?? [],
      bounds: entry.bounds,
      exhausted: !report.stopped && report.depthBounded === 0,
      states: report.states,
      worldStates: report.worldStates,
      recordStates: report.recordStates,
      reducedStates: report.reducedStates,
      reducedBySet: report.reducedBySet,
      transitions: report.transitions,
      classes: report.classes.length,
      elapsedS: Number(elapsedS.toFixed(2)),
      statesPerS: Math.round(report.states / elapsedS),
      maxDepth: report.maxDepth,
      statesByDepth: report.statesByDepth,
      heapUsedMb: Math.round(memory.heapUsed / 2 ** 20),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    });
    if (!values.json) process.stdout.write(rowText(rows[rows.length - 1] as ExhaustiveBenchRow));
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ preset, timeLimitS: limitS, rows })}\n`);
  else process.stdout.write(`(peak RSS is the process's so far: bounds run one after another, smallest first)\n`);
  return exitCodes.ok;
}

function rowText(row: ExhaustiveBenchRow): string {
  const number = (value: number) => value.toLocaleString('en-US');
  const sets = Object.entries(row.reducedBySet)
    .map(([set, count]) => `${number(count)} ${set}`)
    .join(', ');
  const outcome = row.exhausted ? `exhausted in ${row.elapsedS} s` : `NOT exhausted: stopped after ${row.elapsedS} s while expanding depth ${row.maxDepth}`;
  return [
    `${row.name}`,
    `  ${outcome}: ${number(row.states)} states (${number(row.worldStates)} simulated, ${number(row.recordStates)} with fault records, ${number(row.reducedStates)} reduced to one client's steps: ${sets}), ${number(row.transitions)} transitions, ${number(row.statesPerS)} states/s, ${row.classes} classes`,
    `  heap used ${row.heapUsedMb} MB, peak RSS ${row.peakRssMb} MB`,
    `  states by depth: ${row.statesByDepth.join(' ')}`,
    '',
  ].join('\n');
}
