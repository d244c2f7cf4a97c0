// Small validators for JSON read from files: each failure names the field's path and what was
// expected, so a malformed trace is reported as one clear line.
import { err, ok, type Result } from '../../models/result.ts';

export type JsonObject = { readonly [key: string]: unknown };

export class Invalid extends Error {
  override name = 'Invalid';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function fail(path: string, expected: string, value: unknown): never {
  throw new Invalid(`${path}: expected ${expected}, got ${describe(value)}`);
}

export function object(value: unknown, path: string, keys: { required: readonly string[]; optional?: readonly string[] }): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'an object', value);
  const record = value as JsonObject;
  for (const key of keys.required) if (!(key in record)) throw new Invalid(`${path}.${key}: missing`);
  const known = new Set([...keys.required, ...(keys.optional ?? [])]);
  for (const key of Object.keys(record)) if (!known.has(key)) throw new Invalid(`${path}.${key}: unknown field`);
  return record;
}

export function array(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(path, 'an array', value);
  return value;
}

export function integer(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `a whole number in [${min}, ${max}]`, value);
  }
  return value;
}

export function string(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'a string', value);
  return value;
}

export function oneOf<T extends string | number>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) fail(path, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

export function stringRecord(value: unknown, path: string): Readonly<Record<string, string>> {
  const record = object(value, path, { required: [], optional: Object.keys((value as JsonObject | null) ?? {}) });
  for (const [key, entry] of Object.entries(record)) string(entry, `${path}.${key}`);
  return record as Readonly<Record<string, string>>;
}

/** Runs a throwing validator and turns its failure into a Result naming the source. */
export function validated<T>(source: string, parse: () => T): Result<T> {
  try {
    return ok(parse());
  } catch (error) {
    if (error instanceof Invalid) return err(`${source}: ${error.message}`);
    throw error;
  }
}
