// Where a real crash-and-restart scenario's time goes on the broker's side: each operation the
// harness performs on Mosquitto, timed alone, `cycles` times (median and worst). A SIGTERM'd
// Mosquitto that is idle exits only when its 100 ms epoll_wait returns (signals are blocked
// around it, src/mux_epoll.c), which `stop` shows.
import { performance } from 'node:perf_hooks';
import type { BrokerConfig } from '../../models/config.ts';
import { openTarget, type BrokerControl } from './targets.ts';

export type BrokerOp = 'start' | 'kill -9' | 'restart' | 'stop (SIGTERM)' | 'close';
export const brokerOps: readonly BrokerOp[] = ['start', 'kill -9', 'restart', 'stop (SIGTERM)', 'close'];

export interface BrokerOpFigures {
  readonly op: BrokerOp;
  readonly medianMs: number;
  readonly maxMs: number;
}

async function timed(samples: Map<BrokerOp, number[]>, op: BrokerOp, action: () => Promise<unknown>): Promise<void> {
  const startedMs = performance.now();
  await action();
  samples.get(op)?.push(performance.now() - startedMs);
}

export async function benchBrokerOps(broker: BrokerConfig, cycles: number): Promise<BrokerOpFigures[]> {
  const samples = new Map<BrokerOp, number[]>(brokerOps.map((op) => [op, []]));
  for (let cycle = 0; cycle < cycles; cycle += 1) {
    let control: BrokerControl | undefined;
    await timed(samples, 'start', async () => {
      control = await openTarget({ kind: 'mosquitto' }, broker);
    });
    const opened = control as BrokerControl;
    try {
      await timed(samples, 'kill -9', () => opened.kill());
      await timed(samples, 'restart', () => opened.restart());
      await timed(samples, 'stop (SIGTERM)', () => opened.stop());
      await opened.restart();
    } finally {
      await timed(samples, 'close', () => opened.close());
    }
  }
  return brokerOps.map((op) => {
    const sorted = [...(samples.get(op) ?? [])].sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return { op, medianMs: round(sorted[Math.floor(sorted.length / 2)] ?? 0), maxMs: round(sorted[sorted.length - 1] ?? 0) };
  });
}

export function brokerOpsText(figures: readonly BrokerOpFigures[]): string {
  return figures.map((f) => `  ${f.op.padEnd(18)} median ${String(f.medianMs).padStart(6)} ms, worst ${f.maxMs} ms`).join('\n') + '\n';
}
