// The timeline a person can follow: virtual time, node, what it saw or did; faults stand out and
// the events that prove a violation are marked.
import { unreachable } from '../../models/assert.ts';
import type { History } from '../../models/history.ts';
import type { Violation } from '../../properties/types.ts';
import type { LogEntry } from '../sim/log.ts';
import { describeHistory, describePacket } from './describe.ts';

const nodeWidth = 9;

function line(atMs: number, node: string, text: string): string {
  return `${String(atMs).padStart(9)} ms  ${node.padEnd(nodeWidth)} ${text}`;
}

function entryText(entry: LogEntry): [node: string, text: string] {
  switch (entry.kind) {
    case 'packet':
      return [entry.to, `<- ${entry.from.padEnd(nodeWidth)} ${describePacket(entry.packet)}`];
    case 'lost':
      return [entry.to, `x- ${entry.from.padEnd(nodeWidth)} ${describePacket(entry.packet)}  (lost: connection ${entry.conn} gone)`];
    case 'connect':
      return [entry.node, entry.outcome === 'up' ? `connected (conn ${entry.conn})` : `connection refused (broker down)`];
    case 'hangup':
      return [entry.node, `sees conn ${entry.conn} closed`];
    case 'history':
      return [entry.event.node, entry.event.kind === 'fault' ? `*** ${describeHistory(entry.event)} ***` : describeHistory(entry.event)];
    case 'autosaved':
      return [entry.node, `its autosave had last run at ${entry.savedAtMs} ms (after event ${entry.afterEvent}): the database holds that state`];
    case 'end':
      return ['world', `run ends: ${entry.reason}`];
    default:
      return unreachable(entry);
  }
}

/** Evidence tags per history index: the numbers of the violations it proves. */
function evidenceMarks(violations: readonly Violation[]): Map<number, string[]> {
  const marks = new Map<number, string[]>();
  violations.forEach((violation, number) => {
    for (const index of violation.evidence) marks.set(index, [...(marks.get(index) ?? []), `#${number + 1}`]);
  });
  return marks;
}

export function renderTimeline(log: readonly LogEntry[], violations: readonly Violation[]): string {
  // Evidence indices point into the history; history entries appear in the log in order.
  const marks = evidenceMarks(violations);
  const lines: string[] = [];
  let historyIndex = 0;
  for (const entry of log) {
    const [node, text] = entryText(entry);
    let mark = '';
    if (entry.kind === 'history') {
      const tags = marks.get(historyIndex);
      if (tags) mark = `   <== evidence ${tags.join(' ')}`;
      historyIndex += 1;
    }
    lines.push(line(entry.atMs, node, text) + mark);
  }
  if (violations.length > 0) {
    lines.push('', 'Violations:');
    violations.forEach((violation, number) => lines.push(`  #${number + 1} ${violation.property}: ${violation.summary}`));
  }
  return lines.join('\n');
}

/** A history as timeline lines (real runs have a history, not a log), the evidence of each violation marked. */
export function renderHistory(history: History, violations: readonly Violation[]): string[] {
  const marks = evidenceMarks(violations);
  const lines = history.map((event, index) => {
    const tags = marks.get(index);
    const text = event.kind === 'fault' ? `*** ${describeHistory(event)} ***` : describeHistory(event);
    return line(event.atMs, event.node, text) + (tags === undefined ? '' : `   <== evidence ${tags.join(' ')}`);
  });
  violations.forEach((violation, number) => lines.push(`#${number + 1} ${violation.property}: ${violation.summary}`));
  return lines;
}
