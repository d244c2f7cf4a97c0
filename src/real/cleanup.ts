// One registry of everything the real-broker path creates outside this process's memory:
// child processes, listening servers, sockets, temp dirs. Tests call cleanupAll() in
// afterEach/afterAll so a failing test leaves nothing behind, and a process 'exit' hook
// SIGKILLs any child still alive (the last line of defence when a run is interrupted).
// A process killed with SIGKILL runs no hook: its temp dirs carry its pid in their names, and
// the next process to make a temp dir (or check-broker, as it starts) sweeps every dir whose
// owner is dead, and SIGKILLs any process still running from one (sweepStale).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage, withTimeout } from './bounded.ts';

/** Prefix of every temp dir this project creates, so a stray one is recognisable. */
export const tempDirPrefix = 'mqtt-dst-';

/** Bound on how long cleanupAll waits for one resource to let go. */
const cleanupWaitMsMax = 5_000;

export type ResourceKind = 'process' | 'server' | 'socket' | 'temp-dir' | 'other';

export interface TrackedResource {
  readonly id: number;
  readonly kind: ResourceKind;
  readonly description: string;
}

export interface CleanupReport {
  /** What was still tracked and has now been released. */
  readonly released: readonly TrackedResource[];
}

export interface ProcessSnapshot {
  readonly pid: number;
  readonly description: string;
}

/** Call to stop tracking a resource that its owner has released itself. */
export type Untrack = () => void;

interface Entry extends TrackedResource {
  /** Releases the resource; resolves once it is gone (bounded by the caller). */
  readonly release: () => Promise<void>;
  /** Synchronous best effort for the 'exit' hook, where nothing asynchronous runs. */
  readonly releaseSync: () => void;
  /** For processes: the pid, so tests can check it is gone. */
  readonly pid?: number;
}

/** Processes first (a dying process may still write to its dir), temp dirs last. */
const releaseOrder: readonly ResourceKind[] = ['process', 'socket', 'server', 'other', 'temp-dir'];

function inReleaseOrder(): Entry[] {
  return [...entries.values()].sort((a, b) => releaseOrder.indexOf(a.kind) - releaseOrder.indexOf(b.kind));
}

const entries = new Map<number, Entry>();
let nextId = 1;
let exitHookInstalled = false;

function add(entry: Omit<Entry, 'id'>): Untrack {
  installExitHook();
  const id = nextId++;
  entries.set(id, { ...entry, id });
  return () => {
    entries.delete(id);
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL children and remove temp dirs right here.
  process.on('exit', releaseAllSync);
}

function releaseAllSync(): void {
  for (const entry of inReleaseOrder()) {
    try {
      entry.releaseSync();
    } catch {
      // Best effort at exit: there is nobody left to report to.
    }
  }
  entries.clear();
}

/** Whether pid runs; a zombie (exited, not yet reaped by whoever adopted it) does not. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may contain spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all we know
  }
}

/** What trackProcess needs of a child: a ChildProcess, or one spawned off the loop (spawner.ts). */
export type TrackableChild = Pick<ChildProcess, 'pid' | 'exitCode' | 'signalCode' | 'kill'> & { once(event: 'exit', listener: () => void): unknown };

/** Tracks a child process until it exits; cleanup SIGKILLs it and waits for the exit. */
export function trackProcess(child: TrackableChild, description: string): Untrack {
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`trackProcess: ${description} has no pid (spawn failed?)`);
  }
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const untrack = add({
    kind: 'process',
    description: `${description} (pid ${pid})`,
    pid,
    release: async () => {
      if (exited()) return;
      const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exit;
    },
    releaseSync: () => {
      if (!exited()) child.kill('SIGKILL');
    },
  });
  child.once('exit', untrack);
  return untrack;
}

/** Tracks a listening server until it closes; cleanup closes it (its sockets are tracked separately). */
export function trackServer(server: Server, description: string): Untrack {
  const untrack = add({
    kind: 'server',
    description,
    release: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        // close() completes once the accepted connections are gone: their owners track them
        // as sockets, and cleanupAll releases sockets before servers.
        server.close(() => resolve());
      }),
    releaseSync: () => {
      if (server.listening) server.close();
    },
  });
  server.once('close', untrack);
  return untrack;
}

/** Resolve once their socket has emitted 'close' (socket.closed turns true at destroy(), before that). */
const socketsGone = new WeakMap<Socket, Promise<void>>();

/**
 * Resolves once a tracked socket has closed (its 'close' event ran, so it is untracked too);
 * at once for a socket that was never tracked. Callers bound the wait.
 */
export function socketGone(socket: Socket): Promise<void> {
  return socketsGone.get(socket) ?? Promise.resolve();
}

/** Tracks a socket until it closes; cleanup destroys it. */
export function trackSocket(socket: Socket, description: string): Untrack {
  if (socket.destroyed) return () => {};
  socketsGone.set(socket, new Promise((resolve) => socket.once('close', () => resolve())));
  const untrack = add({
    kind: 'socket',
    description,
    release: async () => {
      socket.destroy();
    },
    releaseSync: () => {
      socket.destroy();
    },
  });
  socket.once('close', untrack);
  return untrack;
}

/** Tracks anything else with an asynchronous close (e.g. an embedded broker). */
export function trackResource(description: string, release: () => Promise<void>, releaseSync: () => void = () => {}): Untrack {
  return add({ kind: 'other', description, release, releaseSync });
}

export interface TempDir {
  readonly path: string;
  /** Removes the directory and stops tracking it. */
  remove(): Promise<void>;
}

/** A temp dir's owner: `mqtt-dst-<purpose>-p<pid>-XXXXXX` (mkdtemp's six characters). */
const ownedDirName = new RegExp(`^${tempDirPrefix}.*-p(\\d+)-[A-Za-z0-9]{6}$`);

export interface SweepReport {
  /** Temp dirs of dead owners, removed. */
  readonly dirs: readonly string[];
  /** Processes still running from one of them (a broker whose parent died), SIGKILLed. */
  readonly processes: readonly number[];
}

/** Pids of processes whose command line names a path under one of `dirs` (Linux /proc; none elsewhere). */
function processesUsing(dirs: readonly string[]): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const pid of pids) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (commandLine.some((arg) => dirs.some((dir) => arg === dir || arg.startsWith(`${dir}/`)))) found.push(Number(pid));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/**
 * Removes what killed runs left behind under `root`: every temp dir of this project whose owner
 * pid is dead, after SIGKILLing any process still running from it. A dir of a live process,
 * or one whose name carries no owner, is never touched.
 */
export function sweepStale(root = tmpdir()): SweepReport {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return { dirs: [], processes: [] };
  }
  const stale = names.flatMap((name) => {
    const owner = ownedDirName.exec(name)?.[1];
    return owner !== undefined && Number(owner) !== process.pid && !isProcessAlive(Number(owner)) ? [join(root, name)] : [];
  });
  if (stale.length === 0) return { dirs: [], processes: [] };
  const processes = processesUsing(stale);
  for (const pid of processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of stale) rmSync(dir, { recursive: true, force: true });
  return { dirs: stale, processes };
}

let sweptOnce = false;

/** Creates a fresh directory under the OS temp dir, tracked until removed; the first one of a process sweeps stale ones first. */
export function makeTempDir(purpose: string): TempDir {
  if (!sweptOnce) {
    sweptOnce = true;
    sweepStale();
  }
  const path = mkdtempSync(join(tmpdir(), `${tempDirPrefix}${purpose}-p${process.pid}-`));
  const untrack = add({
    kind: 'temp-dir',
    description: `temp dir ${path}`,
    release: () => rm(path, { recursive: true, force: true }),
    releaseSync: () => rmSync(path, { recursive: true, force: true }),
  });
  return {
    path,
    remove: async () => {
      untrack();
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** What is tracked now (for tests and diagnostics). */
export function trackedResources(): readonly TrackedResource[] {
  return [...entries.values()].map(({ id, kind, description }) => ({ id, kind, description }));
}

/** Pids of tracked child processes that are still alive. */
export function trackedProcesses(): readonly ProcessSnapshot[] {
  const out: ProcessSnapshot[] = [];
  for (const entry of entries.values()) {
    if (entry.pid !== undefined && isProcessAlive(entry.pid)) out.push({ pid: entry.pid, description: entry.description });
  }
  return out;
}

/**
 * Releases everything tracked: processes first (SIGKILL, wait for exit), then sockets and
 * servers, other resources, and temp dirs last (a dying process may still be writing to one).
 * Each release is bounded; failures are collected and thrown together after all were tried.
 */
export async function cleanupAll(): Promise<CleanupReport> {
  const released: TrackedResource[] = [];
  const failures: { resource: TrackedResource; error: string }[] = [];
  for (const kind of releaseOrder) {
    const batch = [...entries.values()].filter((entry) => entry.kind === kind);
    await Promise.all(
      batch.map(async (entry) => {
        entries.delete(entry.id);
        const resource: TrackedResource = { id: entry.id, kind: entry.kind, description: entry.description };
        try {
          await withTimeout(entry.release(), cleanupWaitMsMax, `cleanup of ${entry.description}`);
          released.push(resource);
        } catch (error) {
          failures.push({ resource, error: errorMessage(error) });
        }
      }),
    );
  }
  if (failures.length > 0) {
    const lines = failures.map((failure) => `  ${failure.resource.description}: ${failure.error}`).join('\n');
    // They stay untracked: a resource that would not let go within the bound rarely does later.
    throw new Error(`cleanupAll: ${failures.length} resource(s) could not be released:\n${lines}`);
  }
  return { released };
}
