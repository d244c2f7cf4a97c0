// One shard of an exhaustive search, in this thread or in a worker thread: the top-level options
// are dealt round-robin to `count` shards (exhaustive.ts), each searched with its own visited set,
// and the shards' results merged (exhaustive-result.ts). A state reachable from two top-level
// options is then searched in both shards: workers trade repeated work for no sharing at all.
import { getHeapStatistics } from 'node:v8';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { resolveConfig } from '../../models/presets.ts';
import { exhaustiveSearch, type ExhaustiveBounds, type ExhaustiveProgress, type Shard } from './exhaustive.ts';
import { checkResultOf, mergeCheckResults, parseCheckResult, type CheckResult } from './exhaustive-result.ts';

export interface ShardJob {
  readonly preset: string;
  readonly overrides: Readonly<Record<string, string>>;
  readonly bounds: ExhaustiveBounds;
  readonly shard: Shard;
  /** Stop after this many milliseconds (the result is then incomplete); unbounded when absent. */
  readonly stopAfterMs?: number;
  /** The partial-order reduction (exhaustive-reduction.ts); default true. */
  readonly reduce?: boolean;
  /**
   * One Int32 the search reads every few states: 1 stops it there (incomplete, reported). Shared
   * memory, because a search is one synchronous loop: the thread that takes Ctrl-C is another.
   */
  readonly stop?: SharedArrayBuffer;
}

/** What a shard's worker posts: its progress as it goes, then its result. */
type FromShardWorker = { readonly kind: 'progress'; readonly progress: ExhaustiveProgress } | { readonly kind: 'result'; readonly result: unknown };

export function runShard(job: ShardJob, onProgress?: (progress: ExhaustiveProgress) => void): CheckResult {
  const config = resolveConfig(job.preset, job.overrides);
  if (!config.ok) throw new Error(config.error);
  const report = exhaustiveSearch({
    config: config.value,
    bounds: job.bounds,
    shard: job.shard,
    reduce: job.reduce ?? true,
    ...(job.stopAfterMs !== undefined ? { stopAfterMs: job.stopAfterMs } : {}),
    ...(job.stop !== undefined ? { shouldStop: stopFlag(job.stop) } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  return checkResultOf(report, { preset: job.preset, overrides: job.overrides, shard: job.shard });
}

/** The worker side: run the job in workerData and post the result. */
export function runShardInWorker(): void {
  const port = parentPort;
  if (port === null) throw new Error('exhaustive-shard: not in a worker thread');
  const job = workerData as ShardJob & { readonly progress: boolean };
  const onProgress = job.progress ? (progress: ExhaustiveProgress) => port.postMessage({ kind: 'progress', progress } satisfies FromShardWorker) : undefined;
  port.postMessage({ kind: 'result', result: runShard(job, onProgress) } satisfies FromShardWorker);
}

function stopFlag(stop: SharedArrayBuffer): () => boolean {
  const flag = new Int32Array(stop);
  return () => Atomics.load(flag, 0) === 1;
}

function inWorker(job: ShardJob, onProgress?: (progress: ExhaustiveProgress) => void): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    // A search holds every state's hash and two levels of snapshots: let each worker grow as large
    // as this thread may (NODE_OPTIONS=--max-old-space-size=N raises both).
    const maxOldGenerationSizeMb = Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
    const workerData = { ...job, progress: onProgress !== undefined };
    const worker = new Worker(new URL('./exhaustive-worker.js', import.meta.url), { workerData, resourceLimits: { maxOldGenerationSizeMb } });
    let result: CheckResult | undefined;
    worker.on('message', (message: FromShardWorker) => {
      if (message.kind === 'progress') {
        onProgress?.(message.progress);
        return;
      }
      const parsed = parseCheckResult(message.result, `worker ${job.shard.index}`);
      if (parsed.ok) result = parsed.value;
      else reject(new Error(parsed.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`worker for shard ${job.shard.index}/${job.shard.count} exited with code ${code} and no result`));
    });
  });
}

/** The search split into `workers` shards, each in a worker thread, merged. */
export async function runInWorkers(job: Omit<ShardJob, 'shard'>, workers: number): Promise<CheckResult> {
  const results = await Promise.all(Array.from({ length: workers }, (_, index) => inWorker({ ...job, shard: { index, count: workers } })));
  const merged = mergeCheckResults(results);
  if (!merged.ok) throw new Error(merged.error);
  return merged.value;
}

/**
 * The whole search (one shard of one) in a worker thread, so that this thread hears Ctrl-C while
 * it runs: aborting `signal` stops the search at its next few states, and the result then reports
 * what it had searched and found (incomplete). Same job: the same result as runShard.
 */
export function runShardStoppable(job: Omit<ShardJob, 'stop'>, signal: AbortSignal, onProgress?: (progress: ExhaustiveProgress) => void): Promise<CheckResult> {
  const stop = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const flag = new Int32Array(stop);
  const onAbort = (): void => {
    Atomics.store(flag, 0, 1);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return inWorker({ ...job, stop }, onProgress).finally(() => signal.removeEventListener('abort', onAbort));
}
