// Parsing of the options several commands share: --preset, --set, numbers, lists.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../../models/config.ts';
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { parseOverrides, resolveConfig, type Overrides } from '../../models/presets.ts';
import { UsageError } from './usage-error.ts';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: T, command: string) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n')[0]}`);
  }
}

export function wholeNumber(text: string | undefined, name: string, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`${name}: expected a whole number, got '${text}'`);
  if (value < min) throw new UsageError(`${name}: must be at least ${min}, got ${value}`);
  return value;
}

export interface ResolvedConfig {
  readonly preset: string;
  readonly overrides: Overrides;
  readonly config: Config;
}

export function configFrom(preset: string | undefined, sets: readonly string[] | undefined): ResolvedConfig {
  const presetName = preset ?? 'blog';
  const overrides = parseOverrides(sets ?? []);
  if (!overrides.ok) throw new UsageError(overrides.error);
  const config = resolveConfig(presetName, overrides.value);
  if (!config.ok) throw new UsageError(config.error);
  return { preset: presetName, overrides: overrides.value, config: config.value };
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
