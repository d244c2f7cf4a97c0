// `mqtt-dst check --exhaustive` as a user meets it: exit codes, one-line errors, JSON results that
// merge across shards and worker threads into the unsharded class list, replayable traces.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestName } from '../trace/output-dir.ts';
import { mqttDst } from './run-cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mqtt-dst-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A bound that takes a second: one message, one producer crash. */
const tiny = ['check', '--exhaustive', '--messages', '1', '--faults', 'producer-crash', '--max-faults', '1'];

interface JsonClass {
  readonly signature: string;
  readonly steps: number;
  readonly choices: readonly number[];
  readonly trace: string | null;
}

function classesOf(stdout: string): { signature: string; steps: number; choices: readonly number[] }[] {
  const result = JSON.parse(stdout) as { classes: JsonClass[] };
  return result.classes.map(({ signature, steps, choices }) => ({ signature, steps, choices }));
}

describe('mqtt-dst check --exhaustive', () => {
  it('finds the same classes without the partial-order reduction, from more states', async () => {
    const reduced = await mqttDst([...tiny, '--json', '--out', 'none']);
    const full = await mqttDst([...tiny, '--json', '--out', 'none', '--no-reduction']);
    expect(reduced.code).toBe(1);
    expect(full.code).toBe(1);
    expect(classesOf(full.stdout).map(({ signature, steps }) => ({ signature, steps }))).toEqual(classesOf(reduced.stdout).map(({ signature, steps }) => ({ signature, steps })));
    const states = (stdout: string): number => (JSON.parse(stdout) as { states: number }).states;
    expect(states(full.stdout)).toBeGreaterThan(states(reduced.stdout));
  });

  it.each<[string, string[], RegExp]>([
    ['no mode', ['check'], /say --exhaustive/],
    ['no message', ['check', '--exhaustive', '--messages', '0'], /--messages: must be at least 1/],
    ['a zero depth', ['check', '--exhaustive', '--depth', '0'], /--depth: must be at least 1/],
    ['a bad shard', ['check', '--exhaustive', '--shard', '2/2'], /--shard: expected I\/N/],
    ['shards and workers', ['check', '--exhaustive', '--shard', '0/2', '--workers', '2'], /do not go together/],
    ['an unknown preset', ['check', '--exhaustive', '--preset', 'nope'], /unknown preset 'nope'/],
    ['an unknown fault', ['check', '--exhaustive', '--faults', 'meteor'], /--faults: unknown fault 'meteor'/],
    ['two producers', ['check', '--exhaustive', '--set', 'producers=2'], /one producer only/],
    ['nothing to merge', ['check', '--merge'], /give the --json results to merge/],
  ])('exits 2 on %s, with one line on stderr', async (_name, args, message) => {
    const result = await mqttDst(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 0 and states the bounds when nothing fails', async () => {
    const result = await mqttDst(['check', '--exhaustive', '--messages', '1', '--faults', 'none', '--out', 'none']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no violation within bounds \(1 message, .*\), [\d,]+ states/);
  });

  it('merges shards, and runs workers, into the unsharded classes; every trace replays', async () => {
    const whole = await mqttDst([...tiny, '--json', '--out', 'none']);
    expect(whole.code).toBe(1);
    const expected = classesOf(whole.stdout);
    expect(expected.length).toBeGreaterThan(0);

    const files = await Promise.all(
      [0, 1].map(async (index) => {
        const shard = await mqttDst([...tiny, '--shard', `${index}/2`, '--json']);
        expect(shard.code).toBeLessThanOrEqual(1);
        const file = join(scratch, `shard-${index}.json`);
        writeFileSync(file, shard.stdout);
        return file;
      }),
    );
    const out = join(scratch, 'traces');
    const merged = await mqttDst(['check', '--merge', ...files, '--json', '--out', out]);
    expect(merged.code).toBe(1);
    expect(classesOf(merged.stdout)).toEqual(expected);
    expect((JSON.parse(merged.stdout) as { complete: boolean }).complete).toBe(true);

    const workers = await mqttDst([...tiny, '--workers', '2', '--json', '--out', 'none']);
    expect(workers.code).toBe(1);
    expect(classesOf(workers.stdout)).toEqual(expected);

    const traces = readdirSync(out).filter((name) => name !== manifestName);
    expect(traces).toHaveLength(expected.length);
    for (const trace of traces) {
      const replay = await mqttDst(['replay', join(out, trace), '--quiet']);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toMatch(/^reproduced: same event log/);
    }
  });

  it('refuses to merge results of different searches', async () => {
    const a = await mqttDst([...tiny, '--shard', '0/2', '--json']);
    const b = await mqttDst(['check', '--exhaustive', '--messages', '1', '--faults', 'consumer-crash', '--max-faults', '1', '--shard', '1/2', '--json']);
    const fileA = join(scratch, 'a.json');
    const fileB = join(scratch, 'b.json');
    writeFileSync(fileA, a.stdout);
    writeFileSync(fileB, b.stdout);
    const merged = await mqttDst(['check', '--merge', fileA, fileB]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/not shards of one search/);
  });
});
