// The HTML report as a reader's browser shows it: Debian's chromium, headless, driven by
// playwright-core. The page must load with no console error and no request beyond the file
// itself, every class must have its diagram, every link must land on an element, and a
// screenshot is kept among the test artefacts (test-artifacts/report.png, path printed).
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttDst } from '../cli/run-cli.ts';
import { manifestName } from './output-dir.ts';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH, else chromium (Debian's package) or chromium-browser on PATH. */
function findChromium(): string | undefined {
  const configured = process.env['CHROMIUM_PATH'];
  if (configured !== undefined && configured !== '') return executable(configured) ? configured : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir !== '' && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const chromiumPath = findChromium();
// CI sets MQTT_DST_REQUIRE_CHROMIUM=1: there a missing browser fails this test instead of skipping it.
const required = process.env['MQTT_DST_REQUIRE_CHROMIUM'] === '1';
if (chromiumPath === undefined && !required) {
  process.stderr.write('HTML report browser test skipped: no chromium (install it: apt-get install -y chromium, or set CHROMIUM_PATH)\n');
}

const scratch = mkdtempSync(join(tmpdir(), 'mqtt-dst-html-'));
let browser: Browser | undefined;

beforeAll(async () => {
  if (chromiumPath === undefined) return;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface PageFacts {
  readonly classes: number;
  readonly diagrams: number;
  readonly emptyDiagrams: number;
  readonly brokenLinks: readonly string[];
  readonly links: number;
  readonly external: readonly string[];
  readonly summaryItems: number;
  readonly failingCells: number;
  readonly linkedFailingCells: number;
  readonly sideBySide: number;
}

/** Opens a report, refusing every request but the file itself; what it shows, its problems, and a screenshot. */
async function inspect(html: string, screenshot: string): Promise<{ readonly facts: PageFacts; readonly problems: readonly string[] }> {
  if (browser === undefined) throw new Error('chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  try {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const url = pathToFileURL(html).href;
    await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : (problems.push(`request: ${route.request().url()}`), route.abort())));
    await page.goto(url, { waitUntil: 'load' });
    const facts: PageFacts = await page.evaluate(() => {
      const links = [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href') ?? '');
      const articles = [...document.querySelectorAll('article.class')];
      return {
        classes: articles.length,
        diagrams: articles.filter((article) => article.querySelector('svg.sequence') !== null).length,
        emptyDiagrams: articles.filter((article) => article.querySelectorAll('svg.sequence g.row').length === 0).length,
        brokenLinks: links.filter((href) => !href.startsWith('#') || document.getElementById(href.slice(1)) === null),
        links: links.length,
        external: [...document.querySelectorAll('[src], link[href], script')].map((element) => element.outerHTML.slice(0, 80)),
        summaryItems: document.querySelectorAll('ol.summary li').length,
        failingCells: document.querySelectorAll('table.matrix td.fails').length,
        linkedFailingCells: document.querySelectorAll('table.matrix td.fails a[href^="#"]').length,
        // A comparison with both timelines filled in.
        sideBySide: [...document.querySelectorAll('section.comparison')].filter((section) => [...section.querySelectorAll('.sides pre')].filter((pre) => (pre.textContent ?? '').includes(' ms ')).length === 2).length,
      };
    });
    await page.screenshot({ path: screenshot });
    process.stdout.write(`HTML report screenshot: ${screenshot}\n`);
    return { facts, problems };
  } finally {
    await page.close();
  }
}

describe.skipIf(chromiumPath === undefined && !required)('the HTML report in headless Chromium', () => {
  it('check --exhaustive: loads with no error and no network, every class has a diagram, every link resolves', async () => {
    mkdirSync(artifacts, { recursive: true });
    const html = join(artifacts, 'report.html');
    const run = await mqttDst([
      'check', '--exhaustive', '--preset', 'blog', '--messages', '1', '--max-faults', '1', '--faults', 'consumer-crash,producer-crash,connection-drop',
      '--out', join(scratch, 'traces'), '--html', html,
    ]);
    expect(run.code).toBe(1);
    const classCount = Number(/explain the (\d+) classes/.exec(run.stdout)?.[1]);
    expect(classCount).toBeGreaterThan(10);
    const { facts, problems } = await inspect(html, join(artifacts, 'report.png'));
    expect(problems).toEqual([]);
    expect(facts.classes).toBe(classCount);
    expect(facts.diagrams).toBe(classCount);
    expect(facts.emptyDiagrams).toBe(0);
    expect(facts.links).toBeGreaterThan(classCount);
    expect(facts.brokenLinks).toEqual([]);
    expect(facts.external).toEqual([]);
    expect(facts.summaryItems).toBeGreaterThan(1);
  });

  it('matrix: every failing cell links to its story, and the page says which designs hold', async () => {
    mkdirSync(artifacts, { recursive: true });
    const html = join(artifacts, 'matrix.html');
    const run = await mqttDst(['matrix', '--presets', 'blog,dedup-consumer,outbox-e2e+dedup', '--runs', '150', '--html', html]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Every message handled exactly once .*: outbox-e2e\+dedup\.$/m);
    const { facts, problems } = await inspect(html, join(artifacts, 'matrix.png'));
    expect(problems).toEqual([]);
    expect(facts.failingCells).toBeGreaterThan(3);
    expect(facts.linkedFailingCells).toBe(facts.failingCells);
    expect(facts.brokenLinks).toEqual([]);
    expect(facts.diagrams).toBe(facts.classes);
    expect(facts.emptyDiagrams).toBe(0);
    expect(facts.external).toEqual([]);
  });

  it("check-broker: each scenario's model and real timelines side by side", async () => {
    mkdirSync(artifacts, { recursive: true });
    const html = join(artifacts, 'check-broker.html');
    const run = await mqttDst(['check-broker', '--target', 'aedes', '--runs', '2', '--seed', '3', '--html', html]);
    expect(run.stderr).toContain(`HTML report: ${html}`);
    const { facts, problems } = await inspect(html, join(artifacts, 'check-broker.png'));
    expect(problems).toEqual([]);
    expect(facts.sideBySide).toBe(2);
    expect(facts.external).toEqual([]);
  });

  it('replay: one run, its story and its diagram', async () => {
    const traces = join(scratch, 'replay');
    await mqttDst(['explore', '--runs', '200', '--seed', '3', '--faults', 'broker-kill', '--out', traces]);
    const [name] = readdirSync(traces).filter((entry) => entry !== manifestName);
    if (name === undefined) throw new Error('explore wrote no trace');
    const html = join(artifacts, 'replay.html');
    const run = await mqttDst(['replay', join(traces, name), '--html', html]);
    expect(run.code).toBe(0);
    const { facts, problems } = await inspect(html, join(artifacts, 'replay.png'));
    expect(problems).toEqual([]);
    expect(facts.classes).toBe(1);
    expect(facts.diagrams).toBe(1);
    expect(facts.emptyDiagrams).toBe(0);
    expect(facts.brokenLinks).toEqual([]);
  });
});
