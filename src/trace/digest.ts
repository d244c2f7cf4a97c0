// The fingerprint a replay must reproduce: the event log, one JSON entry per line, hashed.
import { createHash } from 'node:crypto';
import type { LogEntry } from '../sim/log.ts';

export function logLines(log: readonly LogEntry[]): string {
  return log.map((entry) => JSON.stringify(entry)).join('\n');
}

export function logDigest(log: readonly LogEntry[]): string {
  return `sha256:${createHash('sha256').update(logLines(log)).digest('hex')}`;
}
