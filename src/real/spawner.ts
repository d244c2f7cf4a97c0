// Child processes spawned from a thread of their own. Node's spawn() blocks its event loop until
// the child has exec'd (libuv forks, then waits on a pipe for the exec): milliseconds on an idle
// machine, tens on a busy one, during which no socket of a running scenario is read and every
// timer runs late. Brokers are started and restarted in the middle of scenarios, so their spawns
// run in a spawner thread: it forks and owns the child, relays its output and exit, and the
// caller's loop never waits. Signals go straight to the pid (process.kill), which also works in
// an 'exit' hook, where no message to the thread would be handled.
import { EventEmitter } from 'node:events';
import { parentPort, Worker } from 'node:worker_threads';
import { spawn, type ChildProcess } from 'node:child_process';

type ToSpawner = { readonly kind: 'spawn'; readonly id: number; readonly command: string; readonly args: readonly string[] };

type FromSpawner =
  | { readonly kind: 'spawned'; readonly id: number; readonly pid: number }
  | { readonly kind: 'output'; readonly id: number; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  /** After the last output: 'code N', 'signal S' or 'spawn error: ...'. */
  | { readonly kind: 'closed'; readonly id: number; readonly how: string; readonly exitCode: number | null; readonly signalCode: string | null };

/** The spawner thread's side: spawns what it is asked to and reports on each child. */
export function runSpawnerInWorker(): void {
  const port = parentPort;
  if (port === null) throw new Error('spawner: not in a worker thread');
  port.on('message', (request: ToSpawner) => {
    const post = (message: FromSpawner) => port.postMessage(message);
    const { id } = request;
    let child: ChildProcess;
    try {
      child = spawn(request.command, [...request.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      post({ kind: 'closed', id, how: `spawn error: ${error instanceof Error ? error.message : String(error)}`, exitCode: null, signalCode: null });
      return;
    }
    let closed = false;
    const close = (how: string, exitCode: number | null, signalCode: string | null): void => {
      if (closed) return;
      closed = true;
      post({ kind: 'closed', id, how, exitCode, signalCode });
    };
    // No pid: it never ran (ENOENT, EACCES), and 'close' may not follow.
    child.once('error', (error) => {
      if (child.pid === undefined) close(`spawn error: ${error.message}`, null, null);
    });
    if (child.pid !== undefined) post({ kind: 'spawned', id, pid: child.pid });
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (text: string) => post({ kind: 'output', id, stream, text }));
    }
    // 'close', not 'exit': it comes after the last output was read from the pipes.
    child.once('close', (code, signal) => close(code !== null ? `code ${code}` : `signal ${String(signal)}`, code, signal));
  });
}

/**
 * A child spawned by the spawner thread, as the caller sees it: `pid` once known ('spawn'),
 * 'line' events per line of stdout or stderr, then 'exit' and 'close' with how it ended (the
 * ChildProcess fields cleanup.ts's trackProcess reads: pid, exitCode, signalCode, kill, 'exit').
 */
export class SpawnedChild extends EventEmitter {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** Resolves with the pid, or undefined if the spawn failed (then 'close' tells how). */
  readonly spawned: Promise<number | undefined>;
  readonly #partial = { stdout: '', stderr: '' };
  #settleSpawned: (pid: number | undefined) => void = () => {};

  constructor() {
    super();
    this.spawned = new Promise((resolve) => {
      this.#settleSpawned = resolve;
    });
  }

  /**
   * Sends `signal` to the child unless it has been reported gone. Its pid cannot name another
   * process before the spawner thread has reaped it; between that and the report reaching this
   * thread (a message) the pid is free, a window of microseconds in which a kill could miss.
   */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false;
    if (this.pid === undefined) {
      // Not spawned yet: delivered as soon as it is (a kill must never be lost).
      void this.spawned.then((pid) => pid !== undefined && this.kill(signal));
      return true;
    }
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** @internal the spawner's reports */
  receive(message: FromSpawner): void {
    switch (message.kind) {
      case 'spawned':
        this.pid = message.pid;
        this.#settleSpawned(message.pid);
        return;
      case 'output':
        this.#lines(message.stream, message.text);
        return;
      case 'closed': {
        for (const stream of ['stdout', 'stderr'] as const) if (this.#partial[stream] !== '') this.emit('line', this.#partial[stream]);
        this.exitCode = message.exitCode;
        this.signalCode = message.signalCode as NodeJS.Signals | null;
        this.#settleSpawned(undefined);
        this.emit('exit');
        this.emit('close', message.how);
        return;
      }
    }
  }

  #lines(stream: 'stdout' | 'stderr', text: string): void {
    const parts = (this.#partial[stream] + text).split(/\r?\n/);
    this.#partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.emit('line', line);
  }
}

let spawner: { readonly worker: Worker; readonly children: Map<number, SpawnedChild> } | undefined;
let nextId = 1;

function spawnerThread(): NonNullable<typeof spawner> {
  if (spawner !== undefined) return spawner;
  const worker = new Worker(new URL('./spawner-worker.js', import.meta.url));
  const children = new Map<number, SpawnedChild>();
  const current = { worker, children };
  worker.on('message', (message: FromSpawner) => {
    const child = children.get(message.id);
    if (child === undefined) return;
    if (message.kind === 'closed') children.delete(message.id);
    // The thread keeps the process alive only while it has children to report on.
    if (children.size === 0) worker.unref();
    child.receive(message);
  });
  const ended = (what: string): void => {
    if (spawner === current) spawner = undefined;
    for (const [id, child] of children) child.receive({ kind: 'closed', id, how: `spawner thread ${what}`, exitCode: null, signalCode: 'SIGKILL' });
    children.clear();
  };
  worker.on('error', (error) => ended(`failed: ${error.message}`));
  worker.on('exit', (code) => ended(`exited with code ${code}`));
  worker.unref();
  spawner = current;
  return current;
}

/** Spawns `command args` (stdin ignored, stdout and stderr piped) from the spawner thread. */
export function spawnOffLoop(command: string, args: readonly string[]): SpawnedChild {
  const thread = spawnerThread();
  const id = nextId++;
  const child = new SpawnedChild();
  thread.children.set(id, child);
  thread.worker.ref();
  thread.worker.postMessage({ kind: 'spawn', id, command, args } satisfies ToSpawner);
  return child;
}

