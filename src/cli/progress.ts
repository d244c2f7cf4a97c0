// A progress line on stderr, only when stderr is a terminal (never in CI logs or pipes).
import type { ExploreProgress } from '../explore/explore.ts';

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): ((progress: ExploreProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (progress) => {
    const what = progress.phase === 'explore' ? 'exploring' : 'shrinking classes';
    stream.write(`\r\x1b[K${what}: ${progress.done}/${progress.total}, ${progress.classes} classes, ${progress.violatingRuns} violating runs`);
  };
}

export function clearProgress(stream: NodeJS.WriteStream = process.stderr): void {
  if (stream.isTTY) stream.write('\r\x1b[K');
}
