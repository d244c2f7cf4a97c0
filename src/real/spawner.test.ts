// Children spawned from the spawner thread behave as spawn()'s do where the harness looks: their
// output line by line from both pipes, how they ended, their pid for signals, and they are gone
// when the test ends.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, isProcessAlive, trackProcess } from './cleanup.ts';
import { spawnOffLoop, type SpawnedChild } from './spawner.ts';

afterEach(async () => {
  await cleanupAll();
});

function closed(child: SpawnedChild): Promise<string> {
  return new Promise((resolve) => child.once('close', resolve));
}

function lines(child: SpawnedChild): string[] {
  const seen: string[] = [];
  child.on('line', (line: string) => seen.push(line));
  return seen;
}

describe('spawner thread', () => {
  it('relays each line of stdout and stderr (the last one without its newline too) and the exit code', async () => {
    const child = spawnOffLoop('sh', ['-c', 'echo one; echo two >&2; printf "three\\nfour"; exit 3']);
    const seen = lines(child);
    const how = closed(child);
    expect(await child.spawned).toBeGreaterThan(0);
    expect(await how).toBe('code 3');
    expect(child.exitCode).toBe(3);
    expect([...seen].sort()).toEqual(['four', 'one', 'three', 'two']);
  });

  it('signals go to the pid: SIGKILL ends a sleeping child, and it is reported as killed', async () => {
    const child = spawnOffLoop('sleep', ['30']);
    const how = closed(child);
    const pid = await child.spawned;
    if (pid === undefined) throw new Error('sleep did not spawn');
    expect(isProcessAlive(pid)).toBe(true);
    expect(child.kill('SIGKILL')).toBe(true);
    expect(await how).toBe('signal SIGKILL');
    expect(child.signalCode).toBe('SIGKILL');
    expect(child.kill('SIGKILL')).toBe(false);
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('a kill asked for before the pid is known is delivered once it is', async () => {
    const child = spawnOffLoop('sleep', ['30']);
    const how = closed(child);
    expect(child.pid).toBeUndefined();
    expect(child.kill('SIGKILL')).toBe(true);
    expect(await how).toBe('signal SIGKILL');
  });

  it('a command that cannot run is a spawn error, with no pid', async () => {
    const child = spawnOffLoop('/no/such/mqtt-dst-binary', []);
    const how = closed(child);
    expect(await child.spawned).toBeUndefined();
    expect(await how).toMatch(/^spawn error: .*ENOENT/);
  });

  it('cleanup kills a tracked child spawned off the loop', async () => {
    const child = spawnOffLoop('sleep', ['30']);
    const pid = await child.spawned;
    if (pid === undefined) throw new Error('sleep did not spawn');
    trackProcess(child, 'sleep 30');
    const how = closed(child);
    const report = await cleanupAll();
    expect(report.released.map((resource) => resource.kind)).toContain('process');
    expect(await how).toBe('signal SIGKILL');
    expect(isProcessAlive(pid)).toBe(false);
  });
});
