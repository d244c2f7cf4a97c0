// Parsing of the options several commands share: --preset, --set, numbers, lists.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../../models/config.ts';
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { importMosquittoConf } from '../../models/mosquitto-conf-import.ts';
import { getPreset, parseOverrides, presetNames, resolveConfig, type Overrides } from '../../models/presets.ts';
import { defaultBounds, type ExploreBounds } from '../explore/arbitraries.ts';
import type { Result } from '../../models/result.ts';
import { UsageError } from './usage-error.ts';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: T, command: string) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** A check's result, or the UsageError it names. */
export function usable<T>(result: Result<T>): T {
  if (!result.ok) throw new UsageError(result.error);
  return result.value;
}

export function wholeNumber(text: string | undefined, name: string, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`${name}: expected a whole number, got '${text}'`);
  if (value < min) throw new UsageError(`${name}: must be at least ${min}, got ${value}`);
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
 * mosquitto.conf (--config FILE) whose simulated settings override the blog preset's broker,
 * then every --set. Overrides are what a trace records, so a run from a file replays without it.
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
      const imported = importMosquittoConf(readInput(configArg, '--config'), configArg);
      if (!imported.ok) throw new UsageError(imported.error);
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
    messagesMax: wholeNumber(values.messages, '--messages', defaultBounds.messagesMax, 1),
    faultsMax: wholeNumber(values['max-faults'], '--max-faults', defaultBounds.faultsMax),
  };
}
