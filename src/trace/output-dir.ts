// An output directory (--out): checked before a command does any work, and afterwards holding
// exactly the latest run's files plus a manifest that lists them. Files a previous run wrote
// (its manifest says which) and this one did not are removed; nothing else in the directory is
// touched. Every file, the manifest included, is written atomically. The manifest is first
// written listing the old files and the new together, and only at the end the new ones alone,
// so a run killed at any point leaves a manifest naming every file of ours on disk, which the
// next run sweeps.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from '../../models/result.ts';
import { writeFileAtomic } from './store.ts';

export const manifestName = 'mqtt-dst-manifest.json';
const manifestFormat = 'mqtt-dst-output';

export interface OutputFile {
  /** A plain file name inside the directory. */
  readonly name: string;
  readonly text: string;
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** The nearest path at or above `path` that exists. */
function nearestExisting(path: string): string {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * Whether `dir` can take a run's output: a directory, or creatable as one, where a file can be
 * written. Creates the directory (it would be at the end anyway) and writes and removes a probe
 * file, which answers for read-only file systems and permissions alike.
 */
export function checkOutputDir(dir: string, option = '--out'): Result<void> {
  const existing = nearestExisting(dir);
  if (existsSync(existing) && !statSync(existing).isDirectory()) {
    return err(existing === dir ? `${option} ${dir}: a file, not a directory` : `${option} ${dir}: ${existing} is a file, not a directory`);
  }
  const probe = join(dir, `.mqtt-dst-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (error) {
    return err(`${option} ${dir}: cannot write there (${reason(error)})`);
  }
  return ok(undefined);
}

/** The files the manifest in `dir` lists; none when there is no manifest or it is not ours. */
export function manifestFiles(dir: string): string[] {
  const file = join(dir, manifestName);
  if (!existsSync(file)) return [];
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; files?: unknown };
    if (value.format !== manifestFormat || !Array.isArray(value.files)) return [];
    // Only plain names: a manifest can never make us remove anything outside the directory.
    return value.files.filter((name): name is string => typeof name === 'string' && isPlainName(name));
  } catch {
    return [];
  }
}

function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && name !== manifestName && !/[\\/]/.test(name);
}

function writeManifest(dir: string, names: readonly string[]): void {
  const sorted = [...new Set(names)].sort();
  writeFileAtomic(join(dir, manifestName), `${JSON.stringify({ format: manifestFormat, version: 1, files: sorted }, null, 2)}\n`);
}

/** Replaces the run output in `dir` with `files`: afterwards it holds them, the manifest, and whatever was never ours. */
export function writeOutputSet(dir: string, files: readonly OutputFile[]): void {
  for (const file of files) if (!isPlainName(file.name)) throw new Error(`output file name '${file.name}' is not a plain file name`);
  mkdirSync(dir, { recursive: true });
  const previous = manifestFiles(dir);
  const names = files.map((file) => file.name);
  writeManifest(dir, [...previous, ...names]);
  for (const file of files) writeFileAtomic(join(dir, file.name), file.text);
  const kept = new Set(names);
  for (const name of previous) if (!kept.has(name)) rmSync(join(dir, name), { force: true });
  writeManifest(dir, names);
}
