// Parsing of the options several commands share: --preset, --set, numbers, lists.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../../models/config.ts';
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { confBasePreset, readMosquittoConf } from '../config-file.ts';
import { getPreset, parseOverrides, presetNames, resolveConfig, type Overrides } from '../../models/presets.ts';
import { defaultBounds, type ExploreBounds } from '../explore/arbitraries.ts';
import type { Result } from '../../models/result.ts';
import { UsageError } from './usage-error.ts';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: T, command: string) {
  try {
    return parseArgs({ args: negativeValuesJoined(args, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * `--runs -1` as `--runs=-1`: node's parseArgs takes a value that starts with '-' for an option
 * and fails with "argument is ambiguous"; joined, the value reaches the option's own check,
 * which names what is wrong with it.
 */
function negativeValuesJoined(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let at = 0; at < args.length; at++) {
    const arg = args[at] as string;
    const next = args[at + 1];
    const option = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      at += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * Stated maxima of the bounds (README, "Bounds"): each is far above what finishes in reasonable
 * time, so a typo of a few digits is refused before the work instead of running for ever.
 */
export const limits = {
  runs: 10_000_000,
  realRuns: 100_000,
  messages: 100,
  realMessages: 20,
  faults: 20,
  exhaustiveMessages: 4,
  exhaustiveFaults: 4,
  depth: 10_000,
  resends: 10,
  workers: 64,
  parallel: 64,
  idleMs: 60_000,
  capMs: 3_600_000,
  timeLimitS: 86_400,
} as const;

/** fast-check and the explorer's PRNG take 32-bit seeds: a larger one would repeat a smaller one's runs. */
export const seedMax = 0xffff_ffff;

export function seedOption(text: string | undefined, fallback = 1): number {
  return wholeNumber(text, '--seed', fallback, 0, seedMax);
}

/** A check's result, or the UsageError it names. */
export function usable<T>(result: Result<T>): T {
  if (!result.ok) throw new UsageError(result.error);
  return result.value;
}

export function wholeNumber(text: string | undefined, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  if (/^\s*-\s*\d/.test(text)) throw new UsageError(`${name}: must not be negative, got '${text}'`);
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${name}: expected a whole number${/^\d+$/.test(text.trim()) ? ` of at most ${max}` : ''}, got '${text}'`);
  }
  if (value < min) throw new UsageError(`${name}: must be at least ${min}, got ${value}`);
  if (value > max) throw new UsageError(`${name}: must be at most ${max.toLocaleString('en-US')}, got ${value}`);
  return value;
}

/** The text of an input file, or a UsageError naming it and why (a directory, missing, unreadable). */
export function readInput(file: string, option: string): string {
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${option} ${file}: a directory, not a file`);
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${option} ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

export interface ResolvedConfig {
  readonly preset: string;
  readonly overrides: Overrides;
  readonly config: Config;
}

/**
 * The configuration a command runs: a preset (--preset, or --config naming a preset), or a
 * mosquitto.conf (--config FILE, its include_dir followed) whose simulated settings override
 * Mosquitto 2.0's defaults (confBasePreset), then every --set. Overrides are what a trace
 * records, so a run from a file replays without it.
 */
export function configFrom(preset: string | undefined, sets: readonly string[] | undefined, configArg?: string): ResolvedConfig {
  if (preset !== undefined && configArg !== undefined) throw new UsageError('give --preset or --config, not both');
  let presetName = preset ?? 'blog';
  let fromFile: Overrides = {};
  if (configArg !== undefined) {
    if (getPreset(configArg).ok) {
      presetName = configArg;
    } else {
      if (!existsSync(configArg)) throw new UsageError(`--config ${configArg}: neither a preset (${presetNames().join(', ')}) nor a file`);
      if (statSync(configArg).isDirectory()) throw new UsageError(`--config ${configArg}: a directory, not a file`);
      const imported = readMosquittoConf(configArg);
      if (!imported.ok) throw new UsageError(imported.error);
      presetName = confBasePreset;
      fromFile = imported.value.overrides;
      if (imported.value.ignored.length > 0) {
        process.stderr.write(`note: not simulated, left out: ${imported.value.ignored.join(', ')}\n`);
      }
    }
  }
  const overrides = parseOverrides(sets ?? []);
  if (!overrides.ok) throw new UsageError(overrides.error);
  const merged = { ...fromFile, ...overrides.value };
  const config = resolveConfig(presetName, merged);
  if (!config.ok) throw new UsageError(config.error);
  return { preset: presetName, overrides: merged, config: config.value };
}

export function faultList(text: string | undefined): readonly FaultKind[] {
  if (text === undefined || text === 'all') return faultKinds;
  if (text === 'none') return [];
  const kinds = text.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!faultKinds.includes(kind as FaultKind)) throw new UsageError(`--faults: unknown fault '${kind}' (known: ${faultKinds.join(', ')}, or none)`);
  }
  return kinds as FaultKind[];
}

/** The exploration bounds --faults, --messages and --max-faults describe. */
export function exploreBoundsFrom(values: { readonly faults?: string | undefined; readonly messages?: string | undefined; readonly 'max-faults'?: string | undefined }): ExploreBounds {
  return {
    ...defaultBounds,
    faultKinds: faultList(values.faults),
    messagesMax: wholeNumber(values.messages, '--messages', defaultBounds.messagesMax, 1, limits.messages),
    faultsMax: wholeNumber(values['max-faults'], '--max-faults', defaultBounds.faultsMax, 0, limits.faults),
  };
}

/** --html FILE, checked before any work: its directory must exist, and it must not be a directory. */
export function htmlFileFrom(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (file === '') throw new UsageError('--html: expected a file name');
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--html ${file}: is a directory, expected a file name`);
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--html ${file}: no directory ${dir}`);
  return file;
}
