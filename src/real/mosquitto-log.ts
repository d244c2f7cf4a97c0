// The captured log of one Mosquitto (all its runs on one dir): bounded, searchable, awaitable,
// and watched for persistence errors.

export interface MosquittoLogLine {
  /** Position in the whole log since the first start (dropped lines included). */
  readonly index: number;
  /** Which start produced it: 1 for the first, 2 after the first restart, ... */
  readonly run: number;
  /** Wall-clock ms when the line reached us. */
  readonly atMs: number;
  /** The line without Mosquitto's `<unix seconds>: ` prefix. */
  readonly text: string;
}

/**
 * Lines of 2.0.11 (strings of /usr/sbin/mosquitto) that mean the database on disk is not what
 * it should be: a failed save, an unreadable or corrupt file at restore.
 */
export const persistenceErrorPatterns: readonly RegExp[] = [
  /^Error saving in-memory database/,
  /^Error: Couldn't open database/,
  /^Error: Unsupported persistent database format/,
  /^Error: Incompatible database configuration/,
  /^Error: Unable to restore persistent database/,
  /^Warning: Persistence file is empty/,
  /^Warning: Persistence file contains client message with no matching client/,
  /^Warning: Empty client entry found in persistence database/,
];

/** Persistence errors kept (a broker failing every autosave would otherwise grow the list forever). */
const persistenceErrorsMax = 100;

export function formatLines(lines: readonly MosquittoLogLine[]): string {
  return lines.map((line) => `  [run ${line.run}] ${line.text}`).join('\n');
}

export class MosquittoLog {
  readonly #linesMax: number;
  readonly #lines: MosquittoLogLine[] = [];
  #count = 0;
  readonly #waiters = new Set<() => void>();
  readonly #persistenceErrors: MosquittoLogLine[] = [];
  #persistenceErrorsSeen = 0;
  #persistenceErrorsReported = 0;

  constructor(linesMax: number) {
    this.#linesMax = linesMax;
  }

  /** Records a raw line of run `run`. */
  add(run: number, raw: string): void {
    const text = raw.replace(/^\d+: /, '');
    const line: MosquittoLogLine = { index: this.#count++, run, atMs: Date.now(), text };
    this.#lines.push(line);
    // Drop in chunks: shifting one line at a time would copy the whole array per line.
    if (this.#lines.length > this.#linesMax + 1024) this.#lines.splice(0, this.#lines.length - this.#linesMax);
    if (persistenceErrorPatterns.some((pattern) => pattern.test(text))) {
      this.#persistenceErrorsSeen++;
      if (this.#persistenceErrors.length < persistenceErrorsMax) this.#persistenceErrors.push(line);
    }
    for (const wake of [...this.#waiters]) wake();
  }

  lines(): readonly MosquittoLogLine[] {
    return [...this.#lines];
  }

  /** Index the next line will get. */
  cursor(): number {
    return this.#count;
  }

  tail(lines = 20): string {
    return formatLines(this.#lines.slice(-lines));
  }

  /** The first kept line at or after index `since` that matches. */
  find(pattern: RegExp, since = 0): MosquittoLogLine | undefined {
    const first = this.#lines[0]?.index ?? this.#count;
    for (let i = Math.max(0, since - first); i < this.#lines.length; i++) {
      const line = this.#lines[i];
      if (line !== undefined && pattern.test(line.text)) return line;
    }
    return undefined;
  }

  /** The first line at or after `since` that matches, or undefined once timeoutMs has passed. */
  async waitFor(pattern: RegExp, timeoutMs: number, since = 0): Promise<MosquittoLogLine | undefined> {
    const deadline = Date.now() + timeoutMs;
    let from = since;
    for (;;) {
      const line = this.find(pattern, from);
      if (line !== undefined) return line;
      from = this.#count;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  persistenceErrors(): readonly MosquittoLogLine[] {
    return [...this.#persistenceErrors];
  }

  /** Persistence errors not yet handed out (each is reported once), with how many in all. */
  takeUnreportedPersistenceErrors(): { readonly lines: readonly MosquittoLogLine[]; readonly count: number } {
    const count = this.#persistenceErrorsSeen - this.#persistenceErrorsReported;
    const lines = this.#persistenceErrors.slice(Math.min(this.#persistenceErrorsReported, this.#persistenceErrors.length));
    this.#persistenceErrorsReported = this.#persistenceErrorsSeen;
    return { lines, count };
  }
}
