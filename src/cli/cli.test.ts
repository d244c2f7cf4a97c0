// The command line as a user meets it: separate processes, exit codes, one-line errors, and
// byte-identical results for the same seed.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestName } from '../trace/output-dir.ts';
import { mqttDst } from './run-cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mqtt-dst-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** The traces in an output directory: every file but its manifest. */
function tracesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => name !== manifestName);
}

describe('mqtt-dst explore', () => {
  it('same seed and preset give byte-identical output and trace files in two processes', async () => {
    const out = join(scratch, 'same');
    const args = ['explore', '--preset', 'blog', '--runs', '300', '--seed', '7', '--out', out, '--json'];
    const first = await mqttDst(args);
    const firstFiles = filesOf(out);
    rmSync(out, { recursive: true });
    const second = await mqttDst(args);
    expect(first.code).toBe(1);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe(first.stdout);
    expect(filesOf(out)).toEqual(firstFiles);
    const report = JSON.parse(first.stdout) as { runs: number; classes: { trace: string }[] };
    expect(report.runs).toBe(300);
    expect(report.classes.length).toBeGreaterThan(0);
    expect(tracesIn(out)).toHaveLength(report.classes.length);
    expect(Object.keys(firstFiles)).toHaveLength(report.classes.length + 1);
  });

  it('exits 0 and says what it explored when nothing fails', async () => {
    const result = await mqttDst(['explore', '--preset', 'blog', '--faults', 'none', '--runs', '200', '--out', 'none']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no violation in 200 scenarios within these bounds/);
  });
});

describe('mqtt-dst replay', () => {
  it('replays a written trace and exits 0; a tampered digest diverges with exit 1', async () => {
    const out = join(scratch, 'replay');
    await mqttDst(['explore', '--runs', '200', '--seed', '3', '--faults', 'broker-kill', '--out', out]);
    const [name] = tracesIn(out);
    if (name === undefined) throw new Error('explore wrote no trace');
    const file = join(out, name);
    const replay = await mqttDst(['replay', file]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/FAULT broker-kill/);
    expect(replay.stdout).toMatch(/reproduced: same event log/);
    const mermaid = await mqttDst(['replay', file, '--mermaid']);
    expect(mermaid.stdout).toMatch(/sequenceDiagram/);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { outcome: { logDigest: string } };
    trace.outcome.logDigest = `sha256:${'0'.repeat(64)}`;
    const tampered = join(scratch, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(trace));
    const diverged = await mqttDst(['replay', tampered]);
    expect(diverged.code).toBe(1);
    expect(diverged.stdout).toMatch(/DIVERGED/);
  });
});

describe('bad input', () => {
  const validTrace = (): Record<string, unknown> => {
    const dir = join(scratch, 'replay');
    const [name] = tracesIn(dir);
    return JSON.parse(readFileSync(join(dir, name as string), 'utf8')) as Record<string, unknown>;
  };

  it.each<[string, () => readonly string[], RegExp]>([
    ['a truncated trace', () => {
      const file = join(scratch, 'truncated.json');
      const text = JSON.stringify(validTrace());
      writeFileSync(file, text.slice(0, text.length / 2));
      return ['replay', file];
    }, /truncated\.json: not valid JSON/],
    ['an unknown trace version', () => {
      const file = join(scratch, 'version.json');
      writeFileSync(file, JSON.stringify({ ...validTrace(), version: 7 }));
      return ['replay', file];
    }, /version\.json: unknown trace format version 7/],
    ['a missing trace file', () => ['replay', join(scratch, 'absent.json')], /absent\.json: cannot read \(ENOENT\)/],
    ['an unknown preset', () => ['explore', '--preset', 'nope'], /unknown preset 'nope'/],
    ['an unknown --set key', () => ['explore', '--set', 'broker.autosave_intervall=1'], /--set broker\.autosave_intervall: unknown key/],
    ['a negative interval', () => ['explore', '--set', 'broker.autosave_interval=-1'], /must not be negative/],
    ['an impossible bound', () => ['explore', '--runs', '0'], /--runs: must be at least 1/],
    ['an unknown fault kind', () => ['explore', '--faults', 'meteor'], /--faults: unknown fault 'meteor'/],
    ['an unknown option', () => ['explore', '--frobnicate'], /explore: Unknown option '--frobnicate'/],
    ['an unknown command', () => ['explode'], /unknown command 'explode'/],
  ])('%s: one line naming the problem, exit 2', async (_name, args, message) => {
    const result = await mqttDst(args());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});
