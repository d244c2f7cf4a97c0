// The same run as a Mermaid sequence diagram: packets as arrows, lost ones crossed, history
// events and faults as notes.
import { unreachable } from '../../models/assert.ts';
import type { Violation } from '../../properties/types.ts';
import type { LogEntry } from '../sim/log.ts';
import { describeHistory, describePacket } from './describe.ts';

/** Mermaid treats ';' and '#' specially in message text. */
function safe(text: string): string {
  return text.replace(/[;#]/g, ' ');
}

export function renderMermaid(log: readonly LogEntry[], violations: readonly Violation[]): string {
  const lines = ['sequenceDiagram', '  participant producer', '  participant broker', '  participant consumer'];
  for (const entry of log) {
    const at = `${entry.atMs}ms`;
    switch (entry.kind) {
      case 'packet':
        lines.push(`  ${entry.from}->>${entry.to}: ${at} ${safe(describePacket(entry.packet))}`);
        break;
      case 'lost':
        lines.push(`  ${entry.from}-x${entry.to}: ${at} ${safe(describePacket(entry.packet))} (lost)`);
        break;
      case 'history':
        if (entry.event.kind !== 'publish-sent' && entry.event.kind !== 'delivered') {
          lines.push(`  Note over ${entry.event.node}: ${at} ${safe(describeHistory(entry.event))}`);
        }
        break;
      case 'autosaved':
        lines.push(`  Note over ${entry.node}: ${at} its autosave had last run at ${entry.savedAtMs}ms`);
        break;
      case 'connect':
      case 'hangup':
      case 'end':
        break;
      default:
        unreachable(entry);
    }
  }
  for (const violation of violations) lines.push(`  Note over producer,consumer: VIOLATION ${violation.property} ${safe(violation.summary)}`);
  return lines.join('\n');
}
