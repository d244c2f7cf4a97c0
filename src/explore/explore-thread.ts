// Exploration in a worker thread. An exploration is one synchronous loop: in the main thread no
// signal handler could run until it ends, so Ctrl-C would either kill the process with nothing
// reported or wait for the end. In a worker, the main thread takes the signal and raises a flag
// in shared memory; the exploration reads it before every run (explore.ts, shouldStop) and ends
// with what it has found. Same options, same seed: the same report as in the main thread.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Config } from '../../models/config.ts';
import type { ExploreBounds } from './arbitraries.ts';
import { explore, type ExploreProgress, type ExploreReport } from './explore.ts';

interface ExploreJob {
  readonly config: Config;
  readonly bounds: ExploreBounds;
  readonly runs: number;
  readonly seed: number;
  /** One Int32: 0 go on, 1 stop. */
  readonly stop: SharedArrayBuffer;
}

type FromWorker = { readonly kind: 'progress'; readonly progress: ExploreProgress } | { readonly kind: 'report'; readonly report: ExploreReport };

/** The worker side: explore the job in workerData, posting progress and then the report. */
export function runExploreInWorker(): void {
  const port = parentPort;
  if (port === null) throw new Error('explore-thread: not in a worker thread');
  const job = workerData as ExploreJob;
  const flag = new Int32Array(job.stop);
  const report = explore({
    config: job.config,
    bounds: job.bounds,
    runs: job.runs,
    seed: job.seed,
    shouldStop: () => Atomics.load(flag, 0) === 1,
    onProgress: (progress) => port.postMessage({ kind: 'progress', progress } satisfies FromWorker),
  });
  port.postMessage({ kind: 'report', report } satisfies FromWorker);
}

export interface ThreadedExploreOptions {
  readonly config: Config;
  readonly bounds: ExploreBounds;
  readonly runs: number;
  readonly seed: number;
  readonly onProgress?: (progress: ExploreProgress) => void;
  /** Aborting it ends the exploration early, with the report of what was found so far. */
  readonly signal?: AbortSignal;
}

/** explore() in a worker thread; resolves with its report, interrupted or not. */
export function exploreInWorker(options: ThreadedExploreOptions): Promise<ExploreReport> {
  const stop = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const flag = new Int32Array(stop);
  const job: ExploreJob = { config: options.config, bounds: options.bounds, runs: options.runs, seed: options.seed, stop };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./explore-worker.js', import.meta.url), { workerData: job });
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let report: ExploreReport | undefined;
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'progress') options.onProgress?.(message.progress);
      else report = message.report;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (report !== undefined) resolve(report);
      else reject(new Error(`the exploration's worker exited with code ${code} and no report`));
    });
  });
}
