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
  /** The partial-order reduction (exhaustive-reduction.ts); default true. */
  readonly reduce?: boolean;
  /** Stop after this many milliseconds (the result is then incomplete); unbounded when absent. */
  readonly stopAfterMs?: number;
}

export function runShard(job: ShardJob, onProgress?: (progress: ExhaustiveProgress) => void): CheckResult {
  const config = resolveConfig(job.preset, job.overrides);
  if (!config.ok) throw new Error(config.error);
  const report = exhaustiveSearch({
    config: config.value,
    bounds: job.bounds,
    shard: job.shard,
    reduce: job.reduce ?? true,
    ...(job.stopAfterMs !== undefined ? { stopAfterMs: job.stopAfterMs } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  return checkResultOf(report, { preset: job.preset, overrides: job.overrides, shard: job.shard });
}

/** The worker side: run the job in workerData and post the result. */
export function runShardInWorker(): void {
  const port = parentPort;
  if (port === null) throw new Error('exhaustive-shard: not in a worker thread');
  port.postMessage(runShard(workerData as ShardJob));
}

function inWorker(job: ShardJob): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    // A search holds every state's hash and two levels of snapshots: let each worker grow as large
    // as this thread may (NODE_OPTIONS=--max-old-space-size=N raises both).
    const maxOldGenerationSizeMb = Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
    const worker = new Worker(new URL('./exhaustive-worker.js', import.meta.url), { workerData: job, resourceLimits: { maxOldGenerationSizeMb } });
    let result: CheckResult | undefined;
    worker.on('message', (message: unknown) => {
      const parsed = parseCheckResult(message, `worker ${job.shard.index}`);
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
