// Trace files on disk: written atomically (temp file, then rename) so nothing is ever half
// written, and validated both when written and when read.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { err, type Result } from '../../models/result.ts';
import { parseTrace, type Trace } from './format.ts';

export function serializeTrace(trace: Trace): string {
  return `${JSON.stringify(trace, null, 2)}\n`;
}

/** Writes `text` to `file` atomically: readers see the old file or the whole new one. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    // Nothing half-written stays behind: the temporary goes, the old file (if any) is untouched.
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** A trace's file text, validated as a reader will validate it (`file` names it in the error). */
export function checkedTraceText(file: string, trace: Trace): string {
  const text = serializeTrace(trace);
  const check = parseTrace(JSON.parse(text), file);
  if (!check.ok) throw new Error(`refusing to write an invalid trace: ${check.error}`);
  return text;
}

export function saveTrace(file: string, trace: Trace): void {
  writeFileAtomic(file, checkedTraceText(file, trace));
}

export function loadTrace(file: string): Result<Trace> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return err(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return err(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseTrace(value, file);
}
