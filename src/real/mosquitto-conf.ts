// mosquitto.conf for one harness broker: a pure function of a BrokerConfig (whose keys are
// mosquitto.conf's own names) and where the broker runs.
import type { BrokerConfig } from '../../models/config.ts';
import { err, ok, type Result } from '../../models/result.ts';
import { loopback } from './ports.ts';

export interface MosquittoPlacement {
  readonly port: number;
  /** An absolute directory for mosquitto.db; mosquitto must be able to write there. */
  readonly persistenceDir: string;
  /** Whether mosquitto will be started as root (see `user` below). */
  readonly asRoot: boolean;
}

function nonNegativeInteger(broker: BrokerConfig, key: keyof BrokerConfig): string | undefined {
  const value = broker[key];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? undefined : `broker.${key}: expected a non-negative integer, got ${String(value)}`;
}

export function mosquittoConf(broker: BrokerConfig, placement: MosquittoPlacement): Result<string> {
  const problems = (['autosave_interval', 'max_inflight_messages', 'max_queued_messages'] as const)
    .map((key) => nonNegativeInteger(broker, key))
    .filter((problem): problem is string => problem !== undefined);
  if (!Number.isInteger(placement.port) || placement.port < 1 || placement.port > 65535) problems.push(`port: expected 1..65535, got ${placement.port}`);
  if (!placement.persistenceDir.startsWith('/') || /\s/.test(placement.persistenceDir)) {
    problems.push(`persistenceDir: expected an absolute path without spaces, got ${JSON.stringify(placement.persistenceDir)}`);
  }
  if (problems.length > 0) return err(`mosquitto.conf: ${problems.join('; ')}`);
  const lines = [
    '# Written by mqtt-dst (src/real/mosquitto-conf.ts) for one harness run.',
    // Only the loopback interface: the harness never listens anywhere else.
    `listener ${placement.port} ${loopback}`,
    'allow_anonymous true',
    `persistence ${broker.persistence}`,
    // 2.0.11 joins location and file name with a '/' of its own; the trailing one is harmless.
    `persistence_location ${placement.persistenceDir}/`,
    `autosave_interval ${broker.autosave_interval}`,
    `autosave_on_changes ${broker.autosave_on_changes}`,
    `max_inflight_messages ${broker.max_inflight_messages}`,
    `max_queued_messages ${broker.max_queued_messages}`,
    `queue_qos0_messages ${broker.queue_qos0_messages}`,
    // Timing only, no change of semantics: 2.0.11 leaves Nagle's algorithm on by default, and
    // two small packets written back to back (a resent PUBLISH then a SUBACK, a PUBREL) then
    // wait for the peer's delayed ACK, ~40 ms on Linux: observed as 40 ms stalls in the middle
    // of QoS 2 flows, which made real runs race differently from the model's.
    'set_tcp_nodelay true',
    // stderr, not stdout: 2.0.11 does not flush stdout, so on a pipe its lines arrive late in
    // blocks and the tail is lost at kill -9; stderr is unbuffered and arrives line by line.
    'log_dest stderr',
    'log_type all',
    'connection_messages true',
  ];
  if (placement.asRoot) {
    // Run as root, 2.0.11 drops to user `mosquitto` (or `nobody`) and then cannot write
    // mosquitto.db.new into our root-owned temp dir ("Error saving in-memory database, unable
    // to remove .../mosquitto.db.new. Error: Permission denied."). man mosquitto.conf: `user`
    // "When run as root, change to this user"; naming root keeps root, whether or not the
    // mosquitto user exists, with no chown of the dir. It logs a warning that it runs as root.
    lines.push('user root');
  }
  return ok(`${lines.join('\n')}\n`);
}
