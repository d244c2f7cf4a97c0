// A run as an SVG sequence diagram, drawn by the project (no library, no network): one lifeline
// per node, one row per log entry — packets as arrows (a lost one dashed and crossed), what the
// applications saw as notes on their lifeline, faults as a red band across the diagram — and the
// events that prove a violation highlighted and numbered as the text timeline numbers them.
import { unreachable } from '../../models/assert.ts';
import type { Violation } from '../../properties/types.ts';
import type { LogEntry } from '../sim/log.ts';
import { describeHistory, describePacket } from './describe.ts';

const rowPx = 20;
const topPx = 44;
const timePx = 64;
const columnPx = 250;
/** Room beside the outer lifelines for a note centred on them (notes are at most columnPx - 16 wide). */
const marginPx = 125;
/** The column at the right where evidence tags go. */
const tagsPx = 90;
/** About how wide a character of the 11 px font is, to size the diagram to its longest verdict. */
const charPx = 6.2;

/** Escapes text for XML and HTML alike. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The nodes in the order a reader expects them, then any other in order of appearance. */
function participantsOf(log: readonly LogEntry[]): string[] {
  const seen = new Set<string>(['producer', 'broker', 'consumer']);
  for (const entry of log) {
    if (entry.kind === 'packet' || entry.kind === 'lost') [entry.from, entry.to].forEach((node) => seen.add(node));
    else if (entry.kind === 'history') seen.add(entry.event.node);
    else if (entry.kind === 'connect' || entry.kind === 'hangup' || entry.kind === 'autosaved') seen.add(entry.node);
  }
  // A second producer's lifeline stands beside the first's.
  const ordered = [...seen];
  return ordered.includes('producer2') ? ['producer', 'producer2', ...ordered.filter((node) => node !== 'producer' && node !== 'producer2')] : ordered;
}

interface Layout {
  readonly x: (node: string) => number;
  readonly width: number;
  /** Where the lifelines' area ends and the evidence tags' column begins. */
  readonly tagsX: number;
  readonly prefix: string;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x}" y="${y}" ${attrs}>${escapeXml(content)}</text>`;
}

function arrow(layout: Layout, y: number, from: string, to: string, label: string, lost: boolean): string {
  const x1 = layout.x(from);
  const x2 = layout.x(to);
  const mid = (x1 + x2) / 2;
  if (lost) {
    const end = x1 + (x2 - x1) * 0.7;
    return (
      `<g class="lost"><line x1="${x1}" y1="${y}" x2="${end}" y2="${y}" stroke="#b00" stroke-dasharray="4 3"/>` +
      `<path d="M${end - 5} ${y - 5} l10 10 m0 -10 l-10 10" stroke="#b00" stroke-width="2"/>` +
      text(mid, y - 4, `${label} (lost)`, 'text-anchor="middle" fill="#b00"') +
      '</g>'
    );
  }
  return (
    `<g class="packet"><line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="#245" marker-end="url(#${layout.prefix}-arrow)"/>` +
    text(mid, y - 4, label, 'text-anchor="middle"') +
    '</g>'
  );
}

function note(layout: Layout, y: number, node: string, label: string, evidence: string | null): string {
  const x = layout.x(node);
  const widthPx = Math.min(columnPx - 16, label.length * charPx + 10);
  const fill = evidence === null ? '#f4f1de' : '#ffe14d';
  const stroke = evidence === null ? '#c9c3a0' : '#c00';
  const mark = evidence === null ? '' : text(layout.tagsX + 6, y + 4, evidence, 'class="evidence-tag" fill="#c00" font-weight="bold"');
  return (
    `<g class="note${evidence === null ? '' : ' evidence'}"><rect x="${x - widthPx / 2}" y="${y - 9}" width="${widthPx}" height="16" rx="3" fill="${fill}" stroke="${stroke}"/>` +
    text(x, y + 3, label, 'text-anchor="middle"') +
    mark +
    '</g>'
  );
}

function fault(layout: Layout, y: number, label: string): string {
  return (
    `<g class="fault"><rect x="${timePx}" y="${y - 9}" width="${layout.tagsX - timePx}" height="16" fill="#fde0e0" stroke="#c00"/>` +
    text((timePx + layout.tagsX) / 2, y + 3, label, 'text-anchor="middle" fill="#900" font-weight="bold"') +
    '</g>'
  );
}

function rowOf(entry: LogEntry, layout: Layout, y: number, evidence: string | null): string {
  switch (entry.kind) {
    case 'packet':
      return arrow(layout, y, entry.from, entry.to, describePacket(entry.packet), false);
    case 'lost':
      return arrow(layout, y, entry.from, entry.to, describePacket(entry.packet), true);
    case 'connect':
      return note(layout, y, entry.node, entry.outcome === 'up' ? 'connected' : 'connection refused (broker down)', evidence);
    case 'hangup':
      return note(layout, y, entry.node, 'sees its connection closed', evidence);
    case 'history':
      if (entry.event.kind === 'fault') return fault(layout, y, `*** ${describeHistory(entry.event)} ***`);
      return note(layout, y, entry.event.node, describeHistory(entry.event), evidence);
    case 'autosaved':
      return note(layout, y, entry.node, `database as saved at ${entry.savedAtMs} ms`, evidence);
    case 'end':
      return text(timePx, y + 3, `run ends: ${entry.reason}`, 'fill="#555"');
    default:
      return unreachable(entry);
  }
}

/** Evidence tags per history index: "#1", "#1 #2". */
function evidenceTags(violations: readonly Violation[]): Map<number, string> {
  const tags = new Map<number, string>();
  violations.forEach((violation, number) => {
    for (const index of violation.evidence) tags.set(index, `${tags.has(index) ? `${tags.get(index)} ` : ''}#${number + 1}`);
  });
  return tags;
}

/**
 * The diagram of one run. `prefix` makes its element ids unique in a page that holds many
 * diagrams (the arrow marker is defined per diagram).
 */
export function renderSequenceSvg(log: readonly LogEntry[], violations: readonly Violation[], prefix: string): string {
  const participants = participantsOf(log);
  const tagsX = timePx + marginPx + columnPx * (participants.length - 1) + marginPx;
  const tags = evidenceTags(violations);
  const longest = Math.max(0, ...violations.map((violation) => `#00 ${violation.property}: ${violation.summary}`.length));
  const longestTag = Math.max(0, ...[...tags.values()].map((tag) => tag.length));
  const width = Math.ceil(Math.max(tagsX + Math.max(tagsPx, longestTag * charPx + 12), longest * charPx + 12));
  const layout: Layout = { x: (node) => timePx + marginPx + columnPx * Math.max(0, participants.indexOf(node)), width, tagsX, prefix };
  const rows: string[] = [];
  let historyIndex = 0;
  let y = topPx;
  for (const entry of log) {
    const evidence = entry.kind === 'history' ? (tags.get(historyIndex) ?? null) : null;
    if (entry.kind === 'history') historyIndex += 1;
    rows.push(`<g class="row">${text(4, y + 3, `${entry.atMs} ms`, 'fill="#777"')}${rowOf(entry, layout, y, evidence)}</g>`);
    y += rowPx;
  }
  const verdicts = violations.map((violation, number) =>
    text(4, y + 8 + number * 18, `#${number + 1} ${violation.property}: ${violation.summary}`, 'class="verdict" fill="#900" font-weight="bold"'),
  );
  const height = y + 16 + violations.length * 18;
  const lifelines = participants
    .map((node) => `<line x1="${layout.x(node)}" y1="26" x2="${layout.x(node)}" y2="${y}" stroke="#bbb"/>${text(layout.x(node), 18, node, 'text-anchor="middle" font-weight="bold"')}`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">` +
    `<defs><marker id="${prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="#245"/></marker></defs>` +
    lifelines +
    rows.join('') +
    verdicts.join('') +
    '</svg>'
  );
}
