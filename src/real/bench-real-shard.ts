// One shard of `bench --real`: a batch of the bench's scenarios run as check-broker runs them,
// each broker operation timed, in this thread or in a worker thread of its own (so that the
// bench can use more than one core: one thread's event loop, which also waits while each
// mosquitto is spawned, is what bounds a single thread). Shards share the cases and one counter
// that hands them out, so each case runs once whichever shard is free first.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Config } from '../../models/config.ts';
import type { ExploreCase } from '../explore/arbitraries.ts';
import { runBatch, warmUp, type BatchEntry } from './batch.ts';
import { addRunPhases, emptyPhaseTotals, timedOpener, type PhaseTotals } from './bench-phases.ts';
import { cleanupAll } from './cleanup.ts';
import { withLoopbackNetwork } from './real-scenarios.ts';
import type { PoolCounts } from './broker-pool.ts';
import type { TargetSpec } from './targets.ts';

export interface ShardJob {
  readonly spec: TargetSpec;
  readonly config: Config;
  readonly cases: readonly ExploreCase[];
  /** Scenarios this shard runs at once. */
  readonly parallel: number;
  readonly idleMs: number;
  /** One Int32: the index of the next case to run, shared by all shards. */
  readonly next: SharedArrayBuffer;
}

export interface ShardResult {
  readonly entries: readonly BatchEntry[];
  readonly phases: PhaseTotals;
  /** Brokers started, and runs that reused one (broker-pool.ts). */
  readonly pool: PoolCounts;
}

/** Warms up (one scenario, thrown away), says it is ready, waits for `go`, then runs its share of the cases. */
export async function runShard(job: ShardJob, ready: () => Promise<void>): Promise<ShardResult> {
  const phases = emptyPhaseTotals();
  let pool: PoolCounts = { started: 0, reused: 0 };
  const counter = new Int32Array(job.next);
  try {
    await warmUp(job.spec, job.config);
    await ready();
    const entries = await runBatch({
      spec: job.spec,
      modelConfig: () => withLoopbackNetwork(job.config, {}),
      realConfig: () => job.config,
      cases: job.cases,
      parallel: job.parallel,
      idleMs: job.idleMs,
      explainSeeds: 20,
      open: (pooled) => timedOpener(pooled, phases),
      onPool: (counts) => {
        pool = counts;
      },
      claim: () => Atomics.add(counter, 0, 1),
      onEntry: (entry) => {
        if ('comparison' in entry) addRunPhases(phases, entry.comparison.real);
      },
    });
    return { entries, phases, pool };
  } finally {
    await cleanupAll();
  }
}

type FromShard = { readonly kind: 'ready' } | { readonly kind: 'done'; readonly result: ShardResult } | { readonly kind: 'failed'; readonly message: string };

/** The worker side: runs the shard in workerData, told when to go by one message. */
export function runShardInWorker(): void {
  const port = parentPort;
  if (port === null) throw new Error('bench-real-shard: not in a worker thread');
  const go = new Promise<void>((resolve) => port.once('message', () => resolve()));
  runShard(workerData as ShardJob, async () => {
    port.postMessage({ kind: 'ready' } satisfies FromShard);
    await go;
  }).then(
    (result) => port.postMessage({ kind: 'done', result } satisfies FromShard),
    (error: unknown) => port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromShard),
  );
}

/** Runs `jobs` in worker threads, all started together (`onStart`) once every one has warmed up. */
export function runShardsInWorkers(jobs: readonly ShardJob[], onStart: () => void): Promise<ShardResult[]> {
  return new Promise((resolve, reject) => {
    const workers = jobs.map((job) => new Worker(new URL('./bench-real-worker.js', import.meta.url), { workerData: job }));
    const results: ShardResult[] = [];
    let ready = 0;
    let finished = 0;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      for (const worker of workers) void worker.terminate();
      reject(error);
    };
    workers.forEach((worker, index) => {
      let done = false;
      worker.on('message', (message: FromShard) => {
        if (message.kind === 'failed') return fail(new Error(message.message));
        if (message.kind === 'ready' && ++ready === workers.length) {
          onStart();
          for (const each of workers) each.postMessage('go');
        }
        if (message.kind !== 'done') return;
        done = true;
        results[index] = message.result;
        if (++finished === workers.length) resolve(results);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!done) fail(new Error(`a bench worker thread exited with code ${code} before its result`));
      });
    });
  });
}
