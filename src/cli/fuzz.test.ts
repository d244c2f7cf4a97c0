// Every input the tool reads, fuzzed (fast-check, fixed seeds, bounded counts): CLI arguments,
// trace files, scenario files, --set values and mosquitto.conf files. Whatever comes in, the
// answer is either bad input — exit 2 and one line naming it, nothing on stdout — or a valid
// result; never an unexpected error (exit 5), a stack trace, a hang beyond the bound of its
// test, or a partial file. The commands run in this process (main()), with their output captured.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { importMosquittoConf } from '../../models/mosquitto-conf-import.ts';
import { parseOverrides, resolveConfig } from '../../models/presets.ts';
import { RandomChooser } from '../sim/chooser.ts';
import { runScenario } from '../sim/run.ts';
import { parseScenario } from '../trace/scenario-json.ts';
import { Invalid } from '../trace/validate.ts';
import { main } from './main.ts';
import { exitCodes } from './usage-error.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mqtt-dst-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Counts of each suite, reported in the test names and checked to have run. */
const counts = { cli: 300, traces: 300, scenarios: 1_000, sets: 2_000, confs: 1_000 } as const;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command line in this process with stdout and stderr captured. */
async function run(args: readonly string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}

/** Bad input (one line, nothing on stdout) or a result; never exit 5 or a stack trace. */
function expectBadInputOrResult(outcome: Outcome, args: readonly string[]): void {
  const context = `mqtt-dst ${args.map((arg) => JSON.stringify(arg)).join(' ')}\nstderr: ${outcome.stderr}`;
  expect([exitCodes.ok, exitCodes.violations, exitCodes.badInput, exitCodes.inconclusive], context).toContain(outcome.code);
  expect(outcome.stderr, context).not.toMatch(/\n\s+at .*:\d+:\d+/);
  if (outcome.code === exitCodes.badInput) {
    expect(outcome.stderr, context).toMatch(/^mqtt-dst: [^\n]+\n$/);
    expect(outcome.stdout, context).toBe('');
  }
}

/** No file an atomic write left half-done, anywhere under `dir`. */
function temporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.tmp'));
}

const aFile = join(scratch, 'a-file');
writeFileSync(aFile, 'just text\n');
const aTrace = join(import.meta.dirname, '..', '..', 'traces', 'blog', 'no-loss-invoked-producer-crash-in-producer-memory.json');

const numbers = fc.constantFrom('-1', '0', '1', ' 1', 'x', '', '1e3', '1.5', '0x10', '4294967296', '99999999999999999999', '-0');
const words = fc.constantFrom('', 'blog', 'nope', 'all', 'none', 'meteor', 'broker-kill,nope', 'consumer-crash', '-', '--', '\u0000', 'ä/ö', ' ');
const paths = fc.constantFrom('none', aFile, join(aFile, 'under'), scratch, join(scratch, 'absent', 'deeper'), '', aTrace);
const sets = fc.constantFrom('qos=3', 'qos=1', 'topic=', 'topic=a/#', 'timing.eventsMax=0', 'timing.eventsMax=5', 'nope=1', '=1', 'broker', 'broker.persistence=maybe', 'network.latencyMsMin=9', 'consumer.profile=dedup', 'producer.client_id=testclient');

/** An option of any command with a value from the pools (or none, for flags). */
const option = fc.oneof(
  fc.tuple(fc.constantFrom('--runs', '--seed', '--messages', '--max-faults', '--depth', '--crashes', '--drops', '--resends', '--workers', '--time-limit', '--parallel', '--idle-ms', '--cap-ms', '--shard'), numbers),
  fc.tuple(fc.constantFrom('--preset', '--faults', '--presets', '--target'), words),
  fc.tuple(fc.constantFrom('--out', '--config', '--scenario', '--html'), paths),
  fc.tuple(fc.constant('--set'), sets),
  fc.tuple(fc.constantFrom('--json', '--steps', '--quiet', '--exhaustive', '--merge', '--bogus'), fc.constant(null)),
  fc.tuple(words, fc.constant(null)),
);

/**
 * A command line: a command, the work-bounding options first (so that whatever the fuzz adds
 * stays cheap: a later valid value is at most 1, or a tiny depth), then up to six options.
 */
const commandLine = fc
  .tuple(
    fc.constantFrom(
      ['explore', '--runs', '1', '--faults', 'none', '--out', 'none'],
      ['matrix', '--runs', '1', '--presets', 'blog', '--faults', 'none'],
      ['check', '--exhaustive', '--messages', '1', '--depth', '3', '--out', 'none'],
      ['replay', aTrace, '--quiet'],
      ['check-broker', '--url', 'mqtt://127.0.0.1:1', '--runs', '1'],
      ['nope'],
    ),
    fc.array(option, { maxLength: 6 }),
  )
  .map(([head, tail]) => [...head, ...tail.flatMap(([name, value]) => (value === null ? [name] : [name, value]))]);

describe('fuzz', () => {
  it(`command-line arguments (${counts.cli} command lines): bad input or a result, no partial file`, async () => {
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(commandLine, async (args) => {
        const outcome = await run(args);
        codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
        expectBadInputOrResult(outcome, args);
        expect(temporaries(scratch)).toEqual([]);
      }),
      { seed: 11, numRuns: counts.cli, endOnFailure: true },
    );
    // Both answers occur: the fuzz reaches the work, not only the parsers.
    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(counts.cli);
    expect(codes.get(exitCodes.badInput) ?? 0).toBeGreaterThan(0);
    expect(counts.cli - (codes.get(exitCodes.badInput) ?? 0)).toBeGreaterThan(0);
  }, 120_000);

  it(`trace files (${counts.traces} mutated traces): replay says bad input or replays, never an unexpected error`, async () => {
    const original = JSON.parse(readFileSync(aTrace, 'utf8')) as Record<string, unknown>;
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...Object.keys(original)) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...Object.keys(original)), value: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: 2_000 }) }),
      fc.record({ kind: fc.constant('choice' as const), at: fc.nat({ max: 50 }), value: fc.oneof(fc.integer({ min: -3, max: 1_000 }), fc.constant(1.5)) }),
    );
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        let value: Record<string, unknown> = structuredClone(original);
        let text: string | undefined;
        for (const m of mutations) {
          if (m.kind === 'drop') delete value[m.key];
          if (m.kind === 'set') value = { ...value, [m.key]: m.value };
          if (m.kind === 'choice' && Array.isArray(value['choices'])) (value['choices'] as unknown[])[m.at] = m.value;
          if (m.kind === 'truncate') text = JSON.stringify(value, null, 2).slice(0, m.at);
        }
        const file = join(scratch, 'mutated.json');
        writeFileSync(file, text ?? JSON.stringify(value, null, 2));
        const args = ['replay', file, '--quiet'];
        const outcome = await run(args);
        codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
        expectBadInputOrResult(outcome, args);
      }),
      { seed: 12, numRuns: counts.traces, endOnFailure: true },
    );
    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(counts.traces);
    expect(codes.get(exitCodes.badInput) ?? 0).toBeGreaterThan(0);
    expect(counts.traces - (codes.get(exitCodes.badInput) ?? 0)).toBeGreaterThan(0);
  }, 120_000);

  it(`scenario files (${counts.scenarios} values): a named Invalid or a scenario the model runs to an end`, () => {
    const config = resolveConfig('blog', {});
    if (!config.ok) throw new Error(config.error);
    const small = fc.oneof(fc.integer({ min: -5, max: 400 }), fc.constantFrom(1.5, Number.MAX_SAFE_INTEGER, '1', null));
    const scenario = fc.record({
      messages: fc.oneof(fc.array(fc.record({ atMs: small }, { requiredKeys: [] }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
      offline: fc.array(fc.record({ fromMs: small, toMs: small }, { requiredKeys: [] }), { maxLength: 2 }),
      faults: fc.array(
        fc.record({
          kind: fc.constantFrom('broker-kill', 'consumer-crash', 'connection-drop', 'meteor'),
          link: fc.constantFrom('producer', 'consumer', 'sideways'),
          when: fc.oneof(
            fc.record({ kind: fc.constant('time'), atMs: small }),
            fc.record({ kind: fc.constant('event'), event: fc.constantFrom('publish-acked', 'delivered', 'handled', 'nope'), message: small, delayMs: small }),
            fc.jsonValue({ maxDepth: 1 }),
          ),
        }, { requiredKeys: ['kind'] }),
        { maxLength: 3 },
      ),
    }, { requiredKeys: [] });
    let valid = 0;
    fc.assert(
      fc.property(scenario, (value) => {
        let parsed;
        try {
          parsed = parseScenario(value, 'scenario');
        } catch (error) {
          expect(error).toBeInstanceOf(Invalid);
          expect((error as Error).message).toMatch(/^scenario[^\n]*$/);
          return;
        }
        valid += 1;
        const result = runScenario(config.value, parsed, new RandomChooser(1, false));
        expect(['quiescent', 'events-max', 'healing-ms-max']).toContain(result.stats.end);
      }),
      { seed: 13, numRuns: counts.scenarios },
    );
    expect(valid).toBeGreaterThan(0);
  }, 60_000);

  it(`--set values (${counts.sets} assignments): a configuration or one line naming the problem`, () => {
    const paths = fc.constantFrom(
      'qos', 'topic', 'broker.persistence', 'broker.autosave_interval', 'broker.max_inflight_messages', 'broker.max_queued_messages',
      'producer.profile', 'producer.client_id', 'producer.loopMs', 'consumer.handlingMs', 'consumer.profile', 'consumer.client_id',
      'network.latencyMsMin', 'network.latencyMsMax', 'timing.healingMsMax', 'timing.eventsMax', 'nope', 'broker', 'broker.nope.deeper', '',
    );
    const values = fc.oneof(numbers, words, fc.string({ maxLength: 8 }), fc.constantFrom('true', 'false', 'a/+/b', '#', 'x'.repeat(70_000)));
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(paths, values), { minLength: 1, maxLength: 3 }), (assignments) => {
        const overrides = parseOverrides(assignments.map(([path, value]) => `${path}=${value}`));
        const config = overrides.ok ? resolveConfig('blog', overrides.value) : overrides;
        if (!config.ok) {
          expect(config.error).toMatch(/^[^\n]+$/);
          return;
        }
        accepted += 1;
        const { timing, network, topic } = config.value;
        expect(Number.isInteger(timing.eventsMax) && timing.eventsMax >= 1).toBe(true);
        expect(network.latencyMsMin).toBeLessThanOrEqual(network.latencyMsMax);
        expect(topic).not.toMatch(/^$|[+#]/);
      }),
      { seed: 14, numRuns: counts.sets },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it(`mosquitto.conf files (${counts.confs} files): the settings or one line naming the file and line`, () => {
    const line = fc.oneof(
      fc.constantFrom('persistence true', 'persistence maybe', 'autosave_interval 1', 'autosave_interval -3', 'autosave_interval 99999999999', 'autosave_on_changes true',
        'max_inflight_messages 70000', 'max_queued_messages 10', 'queue_qos0_messages false', 'listener 1883', 'include_dir /nonexistent', '# a comment',
        'persistence_location /tmp/', 'bogus_option 1', '', '   ', 'persistence', 'max_inflight_messages'),
      fc.string({ maxLength: 20 }),
    );
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const imported = importMosquittoConf(lines.join('\n'), 'fuzz.conf', () => ({ ok: false, error: 'no include_dir in the fuzz' }));
        if (!imported.ok) {
          expect(imported.error).toMatch(/^[^\n]+$/);
          expect(imported.error).toMatch(/fuzz\.conf/);
          return;
        }
        const config = resolveConfig('mosquitto-defaults', imported.value.overrides);
        if (!config.ok) {
          expect(config.error).toMatch(/^[^\n]+$/);
          return;
        }
        accepted += 1;
      }),
      { seed: 15, numRuns: counts.confs },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('a mosquitto.conf through --config: bad input in one line, or a run', async () => {
    const dir = join(scratch, 'confs');
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of [['ok.conf', 'persistence true\nautosave_interval 1\n'], ['bad.conf', 'autosave_interval soon\n'], ['unknown.conf', 'frobnicate 1\n']] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const args = ['explore', '--config', file, '--runs', '2', '--faults', 'none', '--out', 'none'];
      expectBadInputOrResult(await run(args), args);
    }
  });
});
