// Nothing false, nothing lost: a run cut by a bound is inconclusive (exit 4), never a violation
// or a pass; bad input is one line and exit 2 before any work; a write that fails after the
// report is one line and exit 5, the report printed first; --out holds the latest run only.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestName } from '../trace/output-dir.ts';
import { mqttDst, type CliOutcome } from './run-cli.ts';
import { exitCodes } from './usage-error.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mqtt-dst-verdicts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Exit 2, one line on stderr matching `message`, nothing on stdout (no work was done). */
function expectBadInput(outcome: CliOutcome, message: RegExp): void {
  expect(outcome.stderr).toMatch(message);
  expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  expect(outcome.stdout).toBe('');
  expect(outcome.code).toBe(exitCodes.badInput);
}

describe('inconclusive runs', () => {
  it.each([
    ['a healing bound of 1 ms', ['--set', 'timing.healingMsMax=1', '--faults', 'none'], /healing-ms-max [1-9]/],
    ['handling longer than the healing bound', ['--set', 'consumer.handlingMs=100000000', '--faults', 'none'], /healing-ms-max [1-9]/],
    ['an event bound of 1', ['--set', 'timing.eventsMax=1'], /events-max [1-9]/],
  ])('explore with %s: runs cut by it are counted apart, never judged; exit 4, not 0 or 1', async (_name, args, ends) => {
    const outcome = await mqttDst(['explore', '--runs', '20', '--out', 'none', ...args]);
    expect(outcome.stdout).toMatch(/0 violated a property, 0 distinct classes/);
    expect(outcome.stdout).toMatch(ends);
    expect(outcome.stdout).toMatch(/runs hit a bound before quiescence and were not judged/);
    expect(outcome.stderr).toMatch(/^mqtt-dst: explore: inconclusive: \d+ of 20 runs .* could not be judged; raise /);
    expect(outcome.code).toBe(exitCodes.inconclusive);
  });

  it('explore --json counts them apart', async () => {
    const outcome = await mqttDst(['explore', '--runs', '20', '--out', 'none', '--json', '--set', 'timing.eventsMax=1']);
    const report = JSON.parse(outcome.stdout) as { runs: number; inconclusive: number; violations: number; classes: unknown[] };
    expect(report).toMatchObject({ runs: 20, inconclusive: 20, violations: 0, classes: [] });
    expect(outcome.code).toBe(exitCodes.inconclusive);
  });

  it('check --exhaustive cut at the depth bound is inconclusive, not "no violation within bounds"', async () => {
    const outcome = await mqttDst(['check', '--exhaustive', '--messages', '1', '--faults', 'none', '--depth', '5', '--out', 'none']);
    expect(outcome.stdout).toMatch(/search was cut at the depth bound: inconclusive/);
    expect(outcome.stdout).not.toMatch(/no violation within bounds/);
    expect(outcome.stderr).toMatch(/^mqtt-dst: check: inconclusive: [\d,]+ states at the depth bound/);
    expect(outcome.code).toBe(exitCodes.inconclusive);
  });
});

describe('bad input: one line, exit 2, before any work', () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, 'not a directory\n');

  it.each([
    ['explore --out under a file', ['explore', '--runs', '50', '--out', join(file, 'sub')], /--out .*a-file is a file, not a directory/],
    ['explore --out naming a file', ['explore', '--runs', '50', '--out', file], /--out .*a-file: a file, not a directory/],
    ['check --out under a file', ['check', '--exhaustive', '--messages', '1', '--out', join(file, 'sub')], /--out .*a-file is a file, not a directory/],
    ['check-broker --out under a file', ['check-broker', '--target', 'aedes', '--runs', '1', '--out', join(file, 'sub')], /--out .*a-file is a file, not a directory/],
    ['--config naming a directory', ['explore', '--config', scratch], /--config .*: a directory, not a file/],
    ['check-broker --scenario naming a directory', ['check-broker', '--target', 'aedes', '--scenario', scratch], /--scenario .*: a directory, not a file/],
    ['a seed beyond 32 bits', ['explore', '--seed', '4294967296'], /--seed: must be at most 4,294,967,295, got 4294967296/],
    ['a runs count beyond the stated maximum', ['explore', '--runs', '1000000000000'], /--runs: must be at most 10,000,000/],
    ['an exhaustive bound beyond the stated maximum', ['check', '--exhaustive', '--messages', '50'], /--messages: must be at most 4, got 50/],
    ['a wildcard in the publish topic', ['explore', '--set', 'topic=a/+/b'], /topic 'a\/\+\/b' has a wildcard .*MQTT-3\.3\.2-2/],
    ['an empty publish topic', ['check-broker', '--target', 'aedes', '--set', 'topic='], /topic is empty .*MQTT-4\.7\.3-1/],
    ['a negative runs count', ['explore', '--runs', '-1'], /^mqtt-dst: --runs: must not be negative, got '-1'\n$/],
    ['a negative seed', ['check-broker', '--target', 'aedes', '--seed', '-7'], /--seed: must not be negative, got '-7'/],
    ['a --set value out of range', ['explore', '--set', 'broker.max_inflight_messages=70000'], /broker\.max_inflight_messages must be between 0 and 65,535/],
    ['a fractional --set value', ['explore', '--set', 'network.latencyMsMax=2.5'], /network\.latencyMsMax must be a whole number, got 2\.5/],
  ])('%s', async (_name, args, message) => {
    expectBadInput(await mqttDst(args), message);
  });

  it('a --seed at the top of the range is accepted and differs from seed 0', async () => {
    const top = await mqttDst(['explore', '--runs', '30', '--seed', '4294967295', '--out', 'none', '--json']);
    const zero = await mqttDst(['explore', '--runs', '30', '--seed', '0', '--out', 'none', '--json']);
    expect([exitCodes.ok, exitCodes.violations]).toContain(top.code);
    expect(top.stdout).not.toBe(zero.stdout);
  });
});

describe('output directories', () => {
  it('a write that fails after the run prints the report first, then one line and exit 5; no partial file is left', async () => {
    const first = join(scratch, 'first');
    const args = ['explore', '--runs', '30', '--seed', '5', '--faults', 'broker-kill'];
    const found = await mqttDst([...args, '--out', first, '--json']);
    expect(found.code).toBe(exitCodes.violations);
    const [blocked] = readdirSync(first).filter((name) => name !== manifestName).sort();
    if (blocked === undefined) throw new Error('explore wrote no trace');
    // A directory where a trace must go: the directory is writable (so the check passes), the rename fails.
    const out = join(scratch, 'blocked');
    mkdirSync(join(out, blocked), { recursive: true });
    // No progress line: on a loaded machine shrinking takes long enough for one, and stderr must hold the error alone.
    const outcome = await mqttDst([...args, '--out', out], 120_000, { MQTT_DST_PROGRESS_MS: '3600000' });
    expect(outcome.stdout).toMatch(/explored 30 scenarios/);
    expect(outcome.stdout).toMatch(/reproduce: npx mqtt-dst explore/);
    expect(outcome.stderr).toMatch(/^mqtt-dst: explore: unexpected error: writing traces to .*blocked: EISDIR/);
    expect(outcome.stderr).not.toMatch(/\n\s+at /);
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    expect(outcome.code).toBe(exitCodes.unexpected);
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a reused --out holds exactly the latest run\'s traces and a manifest listing them; files not ours stay', async () => {
    const out = join(scratch, 'reused');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const many = await mqttDst(['explore', '--runs', '100', '--seed', '3', '--faults', 'broker-kill,producer-crash', '--out', out, '--json']);
    const few = await mqttDst(['explore', '--runs', '30', '--seed', '5', '--faults', 'broker-kill', '--out', out, '--json']);
    const classesOf = (outcome: CliOutcome) => (JSON.parse(outcome.stdout) as { classes: { trace: string }[] }).classes.map((entry) => entry.trace);
    const latest = classesOf(few);
    expect(classesOf(many).length).toBeGreaterThan(latest.length);
    expect(latest.length).toBeGreaterThan(0);
    const names = latest.map((file) => file.slice(out.length + 1)).sort();
    expect(readdirSync(out).sort()).toEqual([...names, manifestName, 'notes.txt'].sort());
    const manifest = JSON.parse(readFileSync(join(out, manifestName), 'utf8')) as { files: string[] };
    expect(manifest.files).toEqual(names);
    for (const file of latest) expect(existsSync(file)).toBe(true);
  });
});
