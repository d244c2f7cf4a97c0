import { savesEveryChange } from './test-flows.ts';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerConfig } from '../../models/config.ts';
import { AedesBroker } from './aedes-broker.ts';
import { delay } from './bounded.ts';
import { cleanupAll, isProcessAlive, makeTempDir, sweepStale, trackedProcesses, trackedResources, trackResource } from './cleanup.ts';
import { FaultProxy } from './fault-proxy.ts';
import { isMosquittoAvailable, isMosquittoRequired, Mosquitto } from './mosquitto.ts';
import { PacketSocket } from './packet-socket.ts';
import { portAccepts } from './ports.ts';

afterEach(async () => {
  await cleanupAll();
});

const broker: BrokerConfig = savesEveryChange;

const withMosquitto = isMosquittoAvailable() || isMosquittoRequired();

async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

interface Child {
  readonly pid: number;
  readonly dir: string;
  readonly port: number;
}

/**
 * Runs a separate Node process that starts Mosquitto through this module and reports it,
 * then ends as `ending` says; resolves with what it reported once it is gone.
 */
async function childThatStartsMosquitto(ending: 'exit' | 'sigkill'): Promise<Child> {
  const dir = makeTempDir('cleanup-child');
  const script = join(dir.path, 'child.mts'); // .mts: an ES module wherever it lies (top-level await)
  writeFileSync(
    script,
    [
      `import { Mosquitto } from ${JSON.stringify(join(import.meta.dirname, 'mosquitto.ts'))};`,
      `const m = await Mosquitto.start({ broker: ${JSON.stringify(broker)} });`,
      `console.log(JSON.stringify({ pid: m.pid, dir: m.dir, port: m.port }));`,
      // Never cleans up: the exit hook (or the kernel's parent-death signal) must.
      ending === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);',
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: join(import.meta.dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const stdout = child.stdout;
  if (stdout === null) throw new Error('no stdout');
  const report = await new Promise<Child>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', (line) => resolve(JSON.parse(line) as Child));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before reporting`)));
  });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (ending === 'sigkill') child.kill('SIGKILL');
  await gone;
  return report;
}

/**
 * A separate Node process that makes a temp dir through this module, starts a detached process
 * running from it (as a broker runs from its dir), reports both, and is then SIGKILLed: no hook
 * runs, so the dir and the orphan stay. The orphan is tracked here, so afterEach ends it if the
 * test fails before the sweep does.
 */
async function childThatLeavesATempDirAndAProcess(): Promise<{ readonly pid: number; readonly dir: string; readonly orphan: number }> {
  const scratch = makeTempDir('sweep-script');
  const script = join(scratch.path, 'child.mts');
  writeFileSync(
    script,
    [
      `import { spawn } from 'node:child_process';`,
      `import { writeFileSync } from 'node:fs';`,
      `import { makeTempDir } from ${JSON.stringify(join(import.meta.dirname, 'cleanup.ts'))};`,
      `const dir = makeTempDir('sweep-child');`,
      `writeFileSync(dir.path + '/idle.js', 'setInterval(() => {}, 1000);');`,
      `const orphan = spawn(process.execPath, [dir.path + '/idle.js'], { detached: true, stdio: 'ignore' });`,
      `orphan.unref();`,
      `console.log(JSON.stringify({ pid: process.pid, dir: dir.path, orphan: orphan.pid }));`,
      'setInterval(() => {}, 1000);',
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: join(import.meta.dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const stdout = child.stdout;
  if (stdout === null) throw new Error('no stdout');
  const report = await new Promise<{ pid: number; dir: string; orphan: number }>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', (line) => resolve(JSON.parse(line) as { pid: number; dir: string; orphan: number }));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before reporting`)));
  });
  trackResource(`orphan ${report.orphan}`, async () => {
    if (isProcessAlive(report.orphan)) process.kill(report.orphan, 'SIGKILL');
  });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
  await scratch.remove();
  return report;
}

describe('cleanup', () => {
  it('after cleanupAll no child process, listening port, socket or temp dir is left', async () => {
    const aedes = await AedesBroker.start({ durability: 'every-change' });
    const proxy = await FaultProxy.start({ upstreamPort: aedes.port });
    const socket = await PacketSocket.connect(proxy.host, proxy.port);
    const dir = makeTempDir('cleanup-test');
    const ports = [aedes.port, proxy.port];
    const dirs = [dir.path];
    const pids: number[] = [];
    if (withMosquitto) {
      const mosquitto = await Mosquitto.start({ broker });
      ports.push(mosquitto.port);
      dirs.push(mosquitto.dir);
      pids.push(...trackedProcesses().map((p) => p.pid));
      expect(pids).toHaveLength(1);
    }
    expect(trackedResources().length).toBeGreaterThanOrEqual(6);

    const report = await cleanupAll();

    expect(report.released.length).toBeGreaterThanOrEqual(6);
    expect(trackedResources()).toEqual([]);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    for (const port of ports) expect(await portAccepts(port, 200)).toBe(false);
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
    expect(socket.isOpen).toBe(false);
  });

  it.skipIf(!withMosquitto)("a process that exits without cleaning up SIGKILLs its mosquitto in its 'exit' hook", async () => {
    const child = await childThatStartsMosquitto('exit');
    // The hook sends SIGKILL as the child exits; delivery and death take a moment.
    await until(() => !isProcessAlive(child.pid), `mosquitto pid ${child.pid} to die`);
    // Only the hook removes the temp dir (a parent-death signal would kill mosquitto, not this).
    expect(existsSync(child.dir)).toBe(false);
    expect(await portAccepts(child.port, 200)).toBe(false);
  });

  it.skipIf(!withMosquitto)('a process killed with SIGKILL takes its mosquitto with it (parent-death signal); the next run sweeps its temp dir', async () => {
    const child = await childThatStartsMosquitto('sigkill');
    // No hook runs on SIGKILL: the kernel delivers the parent-death signal; the temp dir stays.
    await until(() => !isProcessAlive(child.pid), `mosquitto pid ${child.pid} to die with its parent`);
    expect(await portAccepts(child.port, 200)).toBe(false);
    expect(existsSync(child.dir)).toBe(true);
    // The next run (any process that makes a temp dir, or check-broker as it starts) sweeps it.
    const swept = sweepStale();
    expect(swept.dirs).toContain(child.dir);
    expect(existsSync(child.dir)).toBe(false);
  });

  it('a temp dir whose owner was killed, and a process still running from it, are swept; a live owner\'s dir is not', async () => {
    const mine = makeTempDir('sweep-live');
    const dead = await childThatLeavesATempDirAndAProcess();
    expect(isProcessAlive(dead.pid)).toBe(false);
    expect(isProcessAlive(dead.orphan)).toBe(true);
    expect(existsSync(dead.dir)).toBe(true);
    const swept = sweepStale();
    // Other killed runs on this machine may have left dirs too: they are swept alike.
    expect(swept.dirs).toContain(dead.dir);
    expect(swept.processes).toContain(dead.orphan);
    await until(() => !isProcessAlive(dead.orphan), `orphan ${dead.orphan} to die`);
    expect(existsSync(dead.dir)).toBe(false);
    expect(existsSync(mine.path)).toBe(true);
    expect(sweepStale().dirs).not.toContain(mine.path);
  });
});
