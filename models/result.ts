// Errors are values until the shell: parsers return a Result whose message names the
// place, the field and what was expected; only the CLI turns it into a line and an exit code.

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(error: string): Result<T> {
  return { ok: false, error };
}
