// How long Mosquitto took to read what the clients wrote to it, from its own log (log_type all):
// it logs each packet it reads at debug level as it handles it (lib/handle_pubackcomp.c
// handle__pubackcomp "Received PUBACK from %s (Mid: %d, RC:%d)", lib/handle_pubrec.c,
// lib/handle_pubrel.c "Received PUBREC|PUBREL from %s (Mid: %d)", src/handle_publish.c
// handle__publish "Received PUBLISH from %s (d%d, q%d, r%d, m%d, ...", src/handle_subscribe.c
// "Received SUBSCRIBE from %s"). On loopback a packet is read well within a millisecond of its
// writing; one read tens of milliseconds later, or still unread when the broker was stopped or
// killed that long after, means the broker was not running meanwhile — a loaded machine, which
// moves a fault anchored near it onto a broker the model has further on. A PUBACK has no reply
// (reply-delay.ts), so this is the only way to see it wait.
import type { Packet } from '../../models/packets.ts';

/** A packet a client wrote to the broker, on the run's clock. */
export interface Written {
  readonly atMs: number;
  readonly clientId: string;
  readonly packet: Packet;
  /** When its connection ended (either end closed it, or the client crashed), if it did. */
  readonly endedAtMs: number | undefined;
}

/** A line the broker logged, on the run's clock (when it reached the harness). */
export interface LoggedLine {
  readonly atMs: number;
  readonly text: string;
}

/** A fault of the run, on its clock: whose it was. */
export interface StruckFault {
  readonly atMs: number;
  readonly target: string;
}

/** The start of the line Mosquitto logs when it reads this packet, or undefined (not checked). */
function receivedLine(written: Written): string | undefined {
  const { clientId, packet } = written;
  switch (packet.cmd) {
    case 'publish':
      return `Received PUBLISH from ${clientId} (d${packet.dup ? 1 : 0}, q${packet.qos}, r0, m${packet.messageId ?? 0},`;
    case 'puback':
    case 'pubcomp':
      return `Received ${packet.cmd.toUpperCase()} from ${clientId} (Mid: ${packet.messageId},`;
    case 'pubrec':
    case 'pubrel':
      return `Received ${packet.cmd.toUpperCase()} from ${clientId} (Mid: ${packet.messageId})`;
    case 'subscribe':
      return `Received SUBSCRIBE from ${clientId}`;
    default:
      return undefined;
  }
}

/** Lines are stamped when they reach the harness, in whole milliseconds: a line may look up to this much older than the write it answers. */
const stampSlackMs = 1;

/**
 * The longest a written packet waited for the broker to read it: until the line that logs its
 * reading, or, never read, until the first fault after its writing if that was the broker's and
 * its connection was still open then (a packet a client crash, a dropped link or a close may
 * have lost is not counted).
 */
export function brokerReadMsMax(written: readonly Written[], lines: readonly LoggedLine[], faults: readonly StruckFault[]): number {
  const used = new Set<number>();
  let worstMs = 0;
  for (const write of written) {
    const start = receivedLine(write);
    if (start === undefined) continue;
    const found = lines.findIndex((line, index) => !used.has(index) && line.atMs >= write.atMs - stampSlackMs && line.text.startsWith(start));
    if (found >= 0) {
      used.add(found);
      worstMs = Math.max(worstMs, (lines[found] as LoggedLine).atMs - write.atMs);
      continue;
    }
    const next = faults.find((fault) => fault.atMs >= write.atMs);
    if (next?.target !== 'broker' || (write.endedAtMs !== undefined && write.endedAtMs < next.atMs)) continue;
    worstMs = Math.max(worstMs, next.atMs - write.atMs);
  }
  return Math.round(worstMs * 10) / 10;
}
