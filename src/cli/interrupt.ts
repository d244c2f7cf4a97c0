// Ctrl-C (SIGINT) for a command whose work runs in a worker thread: the first ends the work with
// what it has found so far, which the command then reports and writes as usual (exit 130); a
// second quits at once. The work must run off this thread, or no handler could run until it ends.
import { exitCodes } from './usage-error.ts';

export interface MaybeInterrupted<T> {
  readonly value: T;
  /** Ctrl-C was pressed while the work ran: the value is what it had when it stopped. */
  readonly interrupted: boolean;
}

export async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<MaybeInterrupted<T>> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(exitCodes.interrupted);
    process.stderr.write('\ninterrupted: reporting what was found so far (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  try {
    const value = await work(controller.signal);
    return { value, interrupted: controller.signal.aborted };
  } finally {
    process.off('SIGINT', onSignal);
  }
}
