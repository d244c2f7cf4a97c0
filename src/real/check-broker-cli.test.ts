// `mqtt-dst check-broker` as a user meets it: a separate process, exit codes (0 agree and no
// violation, 1 violations the model predicted, 3 disagreement, 2 bad input or no broker), one
// line per error naming the file and field. The external broker for --url is an aedes this
// test process runs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../models/scenario.ts';
import { AedesBroker } from './aedes-broker.ts';
import { cleanupAll, tempDirPrefix } from './cleanup.ts';
import { isMosquittoAvailable, isMosquittoRequired } from './mosquitto.ts';
import { freePort } from './ports.ts';

const cli = fileURLToPath(new URL('../cli/mqtt-dst.js', import.meta.url));
// Not tracked by cleanup.ts: it outlives single tests (afterEach releases everything tracked).
const scratch = { path: mkdtempSync(join(tmpdir(), `${tempDirPrefix}check-broker-cli-`)) };

afterEach(async () => {
  await cleanupAll();
});
afterAll(() => {
  rmSync(scratch.path, { recursive: true, force: true });
});

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function mqttDst(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'check-broker', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function scenarioFile(name: string, scenario: unknown): string {
  const file = join(scratch.path, name);
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

/** A producer that dies before its network loop wrote the message: lost on every broker, deterministically. */
const producerExitsEarly: Scenario = {
  messages: [{ atMs: 100 }],
  offline: [],
  faults: [{ kind: 'producer-crash', when: { kind: 'event', event: 'publish-invoked', message: 1, delayMs: 0 } }],
};

describe('mqtt-dst check-broker: bad input and no broker (exit 2, one line)', () => {
  it('needs a target, and only one', async () => {
    const none = await mqttDst(['--runs', '1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('mqtt-dst: check-broker: missing --target mosquitto|aedes or --url mqtt://HOST:PORT\n');
    const both = await mqttDst(['--target', 'aedes', '--url', 'mqtt://127.0.0.1:1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('mqtt-dst: check-broker: give --target or --url, not both\n');
  });

  it('says in one line that nothing listens at --url', async () => {
    const port = await freePort();
    const outcome = await mqttDst(['--url', `mqtt://127.0.0.1:${port}`, '--runs', '1']);
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(new RegExp(`^mqtt-dst: check-broker: no broker at mqtt://127\\.0\\.0\\.1:${port}: connect to 127\\.0\\.0\\.1:${port} failed: connect ECONNREFUSED [^\\n]*\\n$`));
  });

  it('names the file and the field of a malformed scenario', async () => {
    const file = scenarioFile('bad.json', { messages: [{ atMs: 0 }], offline: [], faults: [{ kind: 'broker-explode', when: { kind: 'time', atMs: 0 } }] });
    const outcome = await mqttDst(['--target', 'aedes', '--scenario', file]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(`mqtt-dst: ${file}: scenario.faults[0].kind: expected one of broker-kill, broker-restart, consumer-crash, producer-crash, connection-drop, got "broker-explode"\n`);
  });

  it('refuses a broker fault against an external broker, naming the fault', async () => {
    const aedes = await AedesBroker.start({ durability: 'none' });
    const file = scenarioFile('kill.json', { ...producerExitsEarly, faults: [{ kind: 'broker-kill', when: { kind: 'event', event: 'publish-acked', message: 1, delayMs: 0 } }] });
    const outcome = await mqttDst(['--url', `mqtt://127.0.0.1:${aedes.port}`, '--scenario', file]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^mqtt-dst: .*kill\.json: scenario\.faults\[0\]: broker-kill needs a broker the harness controls \(--target mosquitto or aedes\); against mqtt:\/\/127\.0\.0\.1:\d+ only client crashes and connection drops apply\n$/);
  });
});

describe('mqtt-dst check-broker: two producers', () => {
  it('refuses, in one line, a scenario naming a producer the configuration lacks', async () => {
    const file = scenarioFile('second.json', { ...producerExitsEarly, messages: [{ atMs: 100, by: 'producer2' }] });
    const outcome = await mqttDst(['--target', 'aedes', '--scenario', file]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(`mqtt-dst: ${file}: scenario.messages[0].by names producer2, but the configuration has 1 producer (--set producers=2 adds 'producer2')\n`);
  });

  it('--url --set producers=2 --runs: random scenarios draw each message\'s publisher and run both producer clients', async () => {
    const aedes = await AedesBroker.start({ durability: 'none' });
    const args = ['--url', `mqtt://127.0.0.1:${aedes.port}`, '--set', 'producers=2', '--runs', '2', '--seed', '2', '--idle-ms', '100', '--faults', 'producer-crash,connection-drop'];
    const outcome = await mqttDst([...args, '--set', 'timing.restartDelayMs=50', '--set', 'timing.reconnectDelayMs=50']);
    expect([0, 1, 3, 4]).toContain(outcome.code);
    expect(outcome.stdout).toMatch(/^mqtt-dst check-broker: mqtt:\/\/127\.0\.0\.1:\d+, preset blog producers=2 /);
    expect(outcome.stdout).toMatch(/messages? \(by [a-z0-9 ]*producer2[a-z0-9 ]*\)/);
    expect(outcome.stdout).toMatch(/\n2 scenarios in [\d.]+ s: .* 0 failed to run/);
  });
});

describe('mqtt-dst check-broker: verdicts', () => {
  it('--url: runs against an external broker; exit 1 when both sides show the same violation', async () => {
    const aedes = await AedesBroker.start({ durability: 'none' });
    const file = scenarioFile('early-exit.json', producerExitsEarly);
    const outcome = await mqttDst(['--url', `mqtt://127.0.0.1:${aedes.port}`, '--scenario', file, '--json', '--idle-ms', '100']);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(1);
    const report = JSON.parse(outcome.stdout) as {
      target: string;
      agree: number;
      disagree: number;
      results: { agree: boolean; model: { verdicts: unknown[]; lost: number[] }; real: { verdicts: unknown[]; lost: number[]; end: string } }[];
    };
    expect(report.target).toBe(`mqtt://127.0.0.1:${aedes.port}`);
    expect([report.agree, report.disagree]).toEqual([1, 0]);
    const [result] = report.results;
    expect(result?.agree).toBe(true);
    expect(result?.real.end).toBe('quiescent');
    expect(result?.real.verdicts).toEqual([{ property: 'no-loss-invoked', message: 1, consumer: 'consumer' }]);
    expect(result?.model.lost).toEqual([1]);
  });

  it('--target aedes: exit 0 and the side-by-side table when nothing is violated', async () => {
    const file = scenarioFile('plain.json', { messages: [{ atMs: 100 }, { atMs: 110 }], offline: [], faults: [] });
    const outcome = await mqttDst(['--target', 'aedes', '--scenario', file, '--idle-ms', '100']);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^mqtt-dst check-broker: aedes, preset blog, model seed 1\n/);
    expect(outcome.stdout).toMatch(/\n {5}property +model \(seed 1\) +aedes\n {5}no-loss-acked +holds +holds\n/);
    expect(outcome.stdout).toMatch(/\n1 scenario in [\d.]+ s: 1 agree \(0 with violations\), 0 disagree/);
  });

  it('--target aedes: exit 3 when aedes and the model disagree, with the disagreement explained', async () => {
    // aedes releases an incoming QoS 2 message on PUBLISH, the model (Mosquitto) on PUBREL (differential.test.ts).
    const file = scenarioFile('release.json', {
      messages: [{ atMs: 200 }],
      offline: [],
      faults: [{ kind: 'producer-crash', when: { kind: 'event', event: 'publish-sent', message: 1, delayMs: 20 } }],
    });
    const out = join(scratch.path, 'disagreements');
    // Held against Mosquitto's rules (broker.profile named), aedes's release on PUBLISH is a semantic difference.
    const outcome = await mqttDst(['--target', 'aedes', '--scenario', file, '--idle-ms', '100', '--set', 'producer.loopMs=50', '--set', 'broker.profile=mosquitto-2.0', '--out', out]);
    expect(outcome.stdout).toMatch(/DISAGREE/);
    expect(outcome.stdout).toMatch(/\n {5}no-loss-invoked +violated: m1 +holds +<- differs\n/);
    // On a busy machine the clients' own timers may fire late; then the tool will not call the
    // difference a rule: the run is inconclusive (exit 4, said on stderr), never a pass.
    if (/disagreement, semantics: no model run/.test(outcome.stdout)) {
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(3);
    } else {
      expect(outcome.stdout).toMatch(/disagreement, inconclusive: no model run/);
      expect(outcome.stderr).toMatch(/^mqtt-dst: check-broker: inconclusive: 1 of 1 scenarios/);
      expect(outcome.code).toBe(4);
    }
    const written = join(out, 'aedes-001.json');
    expect(outcome.stdout).toContain(`written: ${written}`);
    const saved = JSON.parse(readFileSync(written, 'utf8')) as { onlyModel: unknown[]; realHistory: unknown[]; modelHistory: unknown[] };
    expect(saved.onlyModel).toEqual([{ property: 'no-loss-invoked', message: 1, consumer: 'consumer' }]);
    expect(saved.realHistory.length).toBeGreaterThan(0);
  });

  it.skipIf(!isMosquittoAvailable() && !isMosquittoRequired())('--target mosquitto --swarm: drawn settings printed with each result; mixed QoS, publishing without waiting, a resumed producer id', async () => {
    const pins = ['--set', 'producer.publish_mode=scheduled', '--set', 'producer.clean_session=false', '--set', 'timing.restartDelayMs=50'];
    const outcome = await mqttDst(['--target', 'mosquitto', '--swarm', '4', '--seed', '3', '--parallel', '2', '--idle-ms', '100', '--faults', 'producer-crash', ...pins]);
    expect(outcome.stderr).toBe('');
    expect([0, 1, 3]).toContain(outcome.code);
    const configs = outcome.stdout.match(/^ {5}config: .*$/gm) ?? [];
    expect(configs).toHaveLength(4);
    expect(configs.every((line) => line.includes('--set producer.publish_mode=scheduled') && line.includes('--set producer.clean_session=false'))).toBe(true);
    expect(configs.every((line) => /--set broker\.max_inflight_messages=\d+/.test(line))).toBe(true);
    // Seed 3 draws a case with QoS per message; describeScenario shows them.
    expect(outcome.stdout).toMatch(/messages? \(QoS [0-2]( [0-2])+\)/);
    expect(outcome.stdout).toMatch(/\n4 scenarios in [\d.]+ s: /);
  });

  it.skipIf(!isMosquittoAvailable() && !isMosquittoRequired())('--target mosquitto --runs: random event-anchored scenarios, a line each and a tally', async () => {
    const outcome = await mqttDst(['--target', 'mosquitto', '--runs', '3', '--seed', '4', '--parallel', '3', '--idle-ms', '100', '--set', 'timing.restartDelayMs=50']);
    // Verdicts may differ by timing (exit 3); the run itself must not fail. On a busy machine a
    // run whose clients ran late is not judged: one line on stderr says so (exit 4 unless a
    // violation or a semantic disagreement decides the code first).
    if (outcome.stderr !== '') expect(outcome.stderr).toMatch(/^mqtt-dst: check-broker: inconclusive: [1-3] of 3 scenarios .* could not be judged; [^\n]+\n$/);
    if (outcome.code === 4) expect(outcome.stderr).not.toBe('');
    expect([0, 1, 3, 4]).toContain(outcome.code);
    expect(outcome.stdout).toMatch(/^mqtt-dst check-broker: mosquitto, preset blog timing\.restartDelayMs=50, 3 scenarios, seed 4\n/);
    expect(outcome.stdout).toMatch(/\n3 scenarios in [\d.]+ s: \d agree \(\d with violations\), \d disagree \(\d timing, \d semantics, \d inconclusive: clients ran late\), 0 failed to run, 0 cut by a bound \(inconclusive\); 0 hit the wall-clock cap\n/);
    expect(outcome.stdout.match(/^ {2}\d\. (agree|DISAGREE)/gm)).toHaveLength(3);
  });
});
