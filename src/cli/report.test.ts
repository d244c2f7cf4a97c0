// What a person reading a command's output gets: the root causes first, on one screen, and a
// progress line on stderr even when it is a pipe, not a terminal.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestName } from '../trace/output-dir.ts';
import { mqttDst } from './run-cli.ts';

const cli = fileURLToPath(new URL('./mqtt-dst.js', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'mqtt-dst-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('explore in a pipe', () => {
  it('leads with the root causes and prints progress lines on stderr', async () => {
    const result = await mqttDst(['explore', '--preset', 'blog', '--runs', '300', '--seed', '7', '--out', 'none'], 120_000, { MQTT_DST_PROGRESS_MS: '0' });
    expect(result.code).toBe(1);
    const progress = result.stderr.split('\n').filter((line) => line.startsWith('exploring: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatch(/^exploring: 100\/300 runs, \d+ class(es)? so far, \d+ violating, [\d,]+ runs\/s, about \d+ s left, \d+ s elapsed$/);
    // Whole lines for a log: no carriage returns, no terminal escapes.
    expect(result.stderr).not.toMatch(/[\r\x1b]/);
    const lines = result.stdout.split('\n');
    const summary = lines.findIndex((line) => /^\d+ root causes? explains? the \d+ class(es)?, worst first:$/.test(line));
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(6);
    expect(lines[summary + 1]).toMatch(/^ {2}1\. (acknowledged|published) message lost: /);
  });
});

describe('replay --mermaid', () => {
  it('prints Mermaid alone on stdout, the header and the verdict on stderr', async () => {
    const out = join(scratch, 'traces');
    await mqttDst(['explore', '--runs', '200', '--seed', '3', '--faults', 'broker-kill', '--out', out]);
    const [name] = readdirSync(out).filter((entry) => entry !== manifestName);
    if (name === undefined) throw new Error('explore wrote no trace');
    const result = await mqttDst(['replay', join(out, name), '--mermaid']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('sequenceDiagram');
    // Every line after the first is a participant, a message or a note: nothing else.
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}(participant \w+|\w+-(>>|x)\w+: .*|Note over [\w,]+: .*)$/);
    expect(result.stderr).toMatch(/^trace .*\npreset blog/);
    expect(result.stderr).toMatch(/reproduced: same event log/);
  });
});

interface Interrupted {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether the cue came, and so Ctrl-C was sent. */
  readonly sent: boolean;
}

/** Runs the command and sends it Ctrl-C (SIGINT) at the first stderr that matches `cue`. */
async function interruptAt(args: readonly string[], cue: RegExp): Promise<Interrupted> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, MQTT_DST_PROGRESS_MS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!sent && cue.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr, sent };
}

describe('explore interrupted by Ctrl-C', () => {
  it('reports what it found so far, writes those traces, and exits 130', async () => {
    const out = join(scratch, 'interrupted');
    // The first progress line past a few hundred runs is the cue: Ctrl-C then.
    const { code, stdout, stderr, sent } = await interruptAt(
      ['explore', '--runs', '1000000', '--seed', '5', '--out', out],
      /exploring: [3-9]00\/1,000,000 runs, [1-9]\d* class/,
    );
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: reporting what was found so far/);
    const runs = Number(/^INTERRUPTED after (\d+) of 1000000 scenarios/m.exec(stdout)?.[1]);
    expect(runs).toBeGreaterThanOrEqual(300);
    expect(runs).toBeLessThan(1_000_000);
    const classes = Number(/^explored \d+ scenarios .* (\d+) distinct class/m.exec(stdout)?.[1]);
    expect(classes).toBeGreaterThan(0);
    expect(stdout).toMatch(/root causes? explains? the \d+ class/);
    // Each class's trace, and the manifest that lists them.
    expect(readdirSync(out).filter((file) => file !== manifestName)).toHaveLength(classes);
    expect(readdirSync(out)).toContain(manifestName);
  });
});

describe('check --exhaustive interrupted by Ctrl-C', () => {
  it('reports what it had searched, says it is no result, and exits 130', async () => {
    const out = join(scratch, 'interrupted-check');
    // The default bound: far more than a test waits for, so only Ctrl-C ends it. The first
    // progress line with states searched is the cue: the search runs, Ctrl-C then.
    const { code, stdout, stderr, sent } = await interruptAt(['check', '--exhaustive', '--preset', 'blog', '--out', out], /searching: [1-9][\d,]* states/);
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: reporting what was found so far/);
    expect(stderr).toMatch(/check: inconclusive: the search was interrupted by Ctrl-C/);
    const states = Number(/^searched ([\d,]+) states/m.exec(stdout)?.[1]?.replaceAll(',', ''));
    expect(states).toBeGreaterThan(0);
    expect(stdout).toMatch(/^INTERRUPTED at depth \d+: what the search had found so far; not a result for these bounds$/m);
    expect(readdirSync(out)).toContain(manifestName);
  });
});
