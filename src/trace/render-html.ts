// The report as one self-contained HTML file: no script, no network, no CDN — inline CSS and the
// project's own SVG diagrams. It holds what the text report holds, in the same order: what was
// searched, the root causes worst first (each with its story), then every class with a sequence
// diagram of its shortest run; for `matrix` the design table, each failing cell linking to the
// story that breaks it, and which designs hold; for `check-broker` the model's and the real
// broker's timelines side by side.
import type { ClassRun, RootCause } from '../explore/root-causes.ts';
import { classesOf } from '../explore/root-causes.ts';
import { slugOf } from '../explore/signature.ts';
import { escapeXml, renderSequenceSvg } from './render-svg.ts';
import { summaryRows } from './render-root-causes.ts';
import { effectOf, storyOf, titleOf } from './story.ts';

/** One search's root causes (a preset's, in a matrix), its element ids prefixed so that several fit one page. */
export interface CauseSection {
  readonly idPrefix: string;
  readonly heading: string;
  readonly causes: readonly RootCause[];
  /** What a count counts, singular: "run", "complete run". */
  readonly countUnit: string;
  /** Said when there is no root cause: what was searched and found sound. */
  readonly sound: string;
}

export interface MatrixCell {
  readonly property: string;
  readonly holds: boolean;
  /** Nothing broke it, but too many runs were cut by a bound to say it holds. */
  readonly inconclusive?: boolean;
  readonly classes: number;
  /** The signature of the simplest class breaking it, which the cell links to. */
  readonly simplest: string | null;
}

export interface MatrixView {
  readonly properties: readonly string[];
  /** Each preset's row; idPrefix is that of its CauseSection, where its cells link to. */
  readonly rows: readonly { readonly preset: string; readonly idPrefix: string; readonly cells: readonly MatrixCell[] }[];
  /** Sentences that answer the question: which designs hold what. */
  readonly conclusion: readonly string[];
}

/** A run seen twice: the model's timeline and the real broker's, as lines of text each. */
export interface SideBySide {
  readonly id: string;
  readonly heading: string;
  readonly verdict: readonly string[];
  readonly model: readonly string[];
  readonly real: readonly string[];
}

export interface HtmlReport {
  readonly title: string;
  /** What was run and searched, a line each. */
  readonly facts: readonly string[];
  readonly sections: readonly CauseSection[];
  readonly matrix?: MatrixView;
  readonly comparisons?: readonly SideBySide[];
}

const style = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
h3 { font-size: 16px; margin: 20px 0 4px; } h4 { font-size: 14px; margin: 14px 0 4px; font-family: monospace; }
.facts { color: #555; margin: 0; padding-left: 18px; } .summary li { margin: 3px 0; } .summary li.folded { list-style: none; color: #555; }
.effect-no-loss-acked, .effect-no-loss-invoked { color: #a00; } .effect-no-duplicate, .effect-order { color: #a60; }
.effect-exactly-once-delivery { color: #557; } .count { color: #666; font-size: 12px; }
.story { background: #f6f6f0; border-left: 4px solid #c9c3a0; padding: 6px 10px; margin: 6px 0; }
.cause { border-top: 1px solid #eee; } .implied { color: #666; font-size: 13px; }
.diagram { overflow-x: auto; border: 1px solid #ddd; background: #fff; margin: 6px 0 16px; }
code { background: #f2f2f2; padding: 1px 4px; }
table.matrix { border-collapse: collapse; margin: 8px 0; } table.matrix td, table.matrix th { border: 1px solid #ccc; padding: 4px 8px; font-size: 13px; }
td.holds { background: #e4f4e4; } td.fails { background: #fbe3e3; } td.fails a { color: #900; }
.conclusion { font-weight: 600; } .sides { display: flex; gap: 12px; } .sides > div { flex: 1; min-width: 0; }
.sides pre { font-size: 11px; overflow-x: auto; background: #fafafa; border: 1px solid #ddd; padding: 6px; }
`;

function e(text: string): string {
  return escapeXml(text);
}

/** The element id of a class within a section. */
export function classAnchor(idPrefix: string, signature: string): string {
  return `${idPrefix}class-${slugOf(signature)}`;
}

function causeAnchor(section: CauseSection, index: number): string {
  return `${section.idPrefix}cause-${index + 1}`;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : word.endsWith('ss') ? 'es' : 's'}`;
}

function summaryHtml(section: CauseSection): string {
  if (section.causes.length === 0) return `<p>${e(section.sound)}</p>`;
  const classes = section.causes.reduce((total, cause) => total + classesOf(cause).length, 0);
  // The same lines as the text summary (summaryRows): several-fault causes folded when there are many.
  const items = summaryRows(section.causes).map((row) => {
    if (row.kind === 'cause') {
      return (
        `<li value="${row.index + 1}"><a href="#${causeAnchor(section, row.index)}" class="effect-${row.cause.property}">${e(titleOf(row.cause))}</a> ` +
        `<span class="count">${plural(classesOf(row.cause).length, 'class')}, ${plural(row.cause.count, section.countUnit)}</span></li>`
      );
    }
    const links = row.indices.map((index) => `<a href="#${causeAnchor(section, index)}">${index + 1}</a>`).join(', ');
    const effect = effectOf(row.causes[0]?.property ?? 'no-loss-acked');
    return `<li class="folded" value="${(row.indices[0] ?? 0) + 1}">${e(effect)}, with two or more faults together: causes ${links}</li>`;
  });
  return `<p>${plural(section.causes.length, 'root cause')} ${section.causes.length === 1 ? 'explains' : 'explain'} the ${plural(classes, 'class')}, worst first:</p><ol class="summary">${items.join('')}</ol>`;
}

function classLink(section: CauseSection, run: ClassRun): string {
  return `<a href="#${classAnchor(section.idPrefix, run.entry.signature)}">${e(run.entry.signature)}</a>`;
}

function causeHtml(section: CauseSection, cause: RootCause, index: number): string {
  const faults = cause.signature.culpritPhases.map((phase) => phase.label);
  const list = cause.classes.map(({ run, implied }) => {
    const weaker = implied.map((entry) => `<li class="implied">implies ${classLink(section, entry)}</li>`).join('');
    return `<li>${classLink(section, run)} <span class="count">${plural(run.entry.count, section.countUnit)}</span>${weaker === '' ? '' : `<ul>${weaker}</ul>`}</li>`;
  });
  return (
    `<section class="cause" id="${causeAnchor(section, index)}"><h3 class="effect-${cause.property}">${index + 1}. ${e(titleOf(cause))}</h3>` +
    `<p class="story">${e(storyOf(cause.shortest))}</p>` +
    `<p>Needs ${e(faults.length === 0 ? 'no fault' : faults.join(' + '))}; seen in ${plural(cause.count, section.countUnit)}. ` +
    `Diagram of the shortest run: <a href="#${classAnchor(section.idPrefix, cause.shortest.entry.signature)}">below</a>.</p>` +
    `<ul>${list.join('')}</ul></section>`
  );
}

function classHtml(section: CauseSection, run: ClassRun): string {
  const anchor = classAnchor(section.idPrefix, run.entry.signature);
  const replay = run.entry.file === null ? '' : ` Replay: <code>npx mqtt-dst replay ${e(run.entry.file)}</code>`;
  return (
    `<article class="class" id="${anchor}"><h4>${e(run.entry.signature)}</h4>` +
    `<p>${e(run.violation.summary)} <span class="count">(${plural(run.entry.count, section.countUnit)})</span>.${replay}</p>` +
    `<div class="diagram">${renderSequenceSvg(run.replay.log, run.replay.violations, anchor)}</div></article>`
  );
}

function sectionHtml(section: CauseSection): string {
  const classes = section.causes.flatMap(classesOf);
  return (
    `<section class="report" id="${section.idPrefix}report"><h2>${e(section.heading)}</h2>${summaryHtml(section)}` +
    section.causes.map((cause, index) => causeHtml(section, cause, index)).join('') +
    (classes.length === 0 ? '' : `<h3>Every class, with its shortest run</h3>${classes.map((run) => classHtml(section, run)).join('')}`) +
    '</section>'
  );
}

function matrixHtml(matrix: MatrixView): string {
  const head = `<tr><th>preset</th>${matrix.properties.map((property) => `<th>${e(property)}</th>`).join('')}</tr>`;
  const rows = matrix.rows.map((row) => {
    const cells = row.cells.map((cell) => {
      if (cell.holds) return '<td class="holds">holds</td>';
      if (cell.inconclusive === true) return '<td class="inconclusive">inconclusive</td>';
      const label = `FAILS (${plural(cell.classes, 'class')})`;
      const link = cell.simplest === null ? label : `<a href="#${classAnchor(row.idPrefix, cell.simplest)}">${label}</a>`;
      return `<td class="fails">${link}</td>`;
    });
    return `<tr><th>${e(row.preset)}</th>${cells.join('')}</tr>`;
  });
  const conclusion = matrix.conclusion.map((line) => `<p class="conclusion">${e(line)}</p>`).join('');
  return `<section id="matrix"><h2>Designs × properties</h2><table class="matrix">${head}${rows.join('')}</table>${conclusion}</section>`;
}

function comparisonHtml(comparison: SideBySide): string {
  const pre = (lines: readonly string[]): string => `<pre>${e(lines.join('\n'))}</pre>`;
  return (
    `<section class="comparison" id="${comparison.id}"><h3>${e(comparison.heading)}</h3>${comparison.verdict.map((line) => `<p>${e(line)}</p>`).join('')}` +
    `<div class="sides"><div><h4>model</h4>${pre(comparison.model)}</div><div><h4>real broker</h4>${pre(comparison.real)}</div></div></section>`
  );
}

export function renderHtmlReport(report: HtmlReport): string {
  const facts = report.facts.map((line) => `<li>${e(line)}</li>`).join('');
  const comparisons = report.comparisons === undefined || report.comparisons.length === 0 ? '' : `<h2>Model and real broker, side by side</h2>${report.comparisons.map(comparisonHtml).join('')}`;
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${e(report.title)}</title><style>${style}</style></head><body>` +
    `<h1>${e(report.title)}</h1><ul class="facts">${facts}</ul>` +
    (report.matrix === undefined ? '' : matrixHtml(report.matrix)) +
    comparisons +
    report.sections.map(sectionHtml).join('') +
    '</body></html>\n'
  );
}
