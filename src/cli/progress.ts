// Progress on stderr while a long command runs. On a terminal one line rewritten in place; in a
// pipe or a log (`explore ... | cat`, CI) a whole line at most every few seconds, so that a run
// that takes a minute says what it is doing without flooding the log. Wall time is read here, in
// the shell, never by the engine: the engine reports counts and the shell decides when to print.
import { performance } from 'node:perf_hooks';

export interface ProgressSnapshot {
  /** What is being done: "exploring", "shrinking classes", "searching". */
  readonly what: string;
  readonly done: number;
  /** The total when it is known (runs to do), null when it is not (states of a search). */
  readonly total: number | null;
  /** What `done` counts: "runs", "classes", "states". */
  readonly unit: string;
  readonly classes: number;
  /** More to say, e.g. "2,724,631 transitions". */
  readonly detail?: string;
}

export interface ProgressOptions {
  /** Least time between two lines when the stream is not a terminal. */
  readonly logEveryMs?: number;
  /** Least time between two rewrites on a terminal. */
  readonly ttyEveryMs?: number;
  readonly now?: () => number;
}

export interface Progress {
  report(snapshot: ProgressSnapshot): void;
  /** Clears the terminal line (a log keeps its lines). */
  done(): void;
}

/** What the rate and the estimate are of: this phase (`what`) since its first report. */
interface Phase {
  readonly what: string;
  readonly startedMs: number;
  readonly done: number;
}

function formatLine(snapshot: ProgressSnapshot, phase: Phase, atMs: number, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  // A phase's first report has no rate yet: nothing is said of it then.
  const rate = atMs > phase.startedMs ? (snapshot.done - phase.done) / ((atMs - phase.startedMs) / 1000) : null;
  const done = snapshot.total === null ? snapshot.done.toLocaleString('en-US') : `${snapshot.done.toLocaleString('en-US')}/${snapshot.total.toLocaleString('en-US')}`;
  const parts = [`${snapshot.what}: ${done} ${snapshot.unit}`, `${snapshot.classes} class${snapshot.classes === 1 ? '' : 'es'} so far`];
  if (snapshot.detail !== undefined) parts.push(snapshot.detail);
  if (rate !== null) parts.push(`${Math.round(rate).toLocaleString('en-US')} ${snapshot.unit}/s`);
  if (snapshot.total !== null && rate !== null && rate > 0 && snapshot.done < snapshot.total) parts.push(`about ${Math.ceil((snapshot.total - snapshot.done) / rate)} s left`);
  parts.push(`${Math.round(seconds)} s elapsed`);
  return parts.join(', ');
}

/** MQTT_DST_PROGRESS_MS: the least time between two lines in a log (default 3000; 0 prints every report). */
function logEveryMsFromEnv(): number {
  const text = process.env['MQTT_DST_PROGRESS_MS'];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : 3000;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): Progress {
  const now = options.now ?? (() => performance.now());
  const tty = stream.isTTY === true;
  const everyMs = tty ? (options.ttyEveryMs ?? 200) : (options.logEveryMs ?? logEveryMsFromEnv());
  const startedMs = now();
  // The first line in a log waits one interval too: a run that ends sooner prints none.
  let lastMs = startedMs;
  let written = false;
  let phase: Phase = { what: '', startedMs, done: 0 };
  return {
    report(snapshot) {
      const at = now();
      // The first phase began with the reporter; a later one with its first report.
      if (snapshot.what !== phase.what) phase = phase.what === '' ? { what: snapshot.what, startedMs, done: 0 } : { what: snapshot.what, startedMs: at, done: snapshot.done };
      if (at - lastMs < everyMs) return;
      lastMs = at;
      written = true;
      const line = formatLine(snapshot, phase, at, at - startedMs);
      stream.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
    done() {
      if (tty && written) stream.write('\r\x1b[K');
    },
  };
}
