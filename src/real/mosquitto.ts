// Control of a real Mosquitto process: start it from a BrokerConfig on a free loopback port
// with its database in a fresh temp dir, kill -9 it, stop it gracefully (SIGTERM saves), and
// start it again on the same dir and port. Its log is captured line by line; a persistence
// error in it fails the next operation loudly.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { delimiter, join } from 'node:path';
import type { BrokerConfig } from '../../models/config.ts';
import { delay, withTimeout } from './bounded.ts';
import { makeTempDir, trackProcess, trackResource, type TempDir, type Untrack } from './cleanup.ts';
import { mosquittoConf } from './mosquitto-conf.ts';
import { formatLines, MosquittoLog, type MosquittoLogLine } from './mosquitto-log.ts';
import { connectProbe, freePort, loopback } from './ports.ts';
import { spawnOffLoop, type SpawnedChild } from './spawner.ts';

export interface MosquittoOptions {
  readonly broker: BrokerConfig;
  /** The executable; default: env MQTT_DST_MOSQUITTO, /usr/sbin/mosquitto, then `mosquitto` on PATH. */
  readonly binary?: string;
  /** Bound on a start until the port accepts. Default 5000. */
  readonly startTimeoutMs?: number;
  /** Bound on a graceful stop (SIGTERM, save, exit). Default 10000. */
  readonly stopTimeoutMs?: number;
  /** Log lines kept in memory; older ones are dropped (and counted). Default 20000. */
  readonly logLinesMax?: number;
}

export type { MosquittoLogLine } from './mosquitto-log.ts';
export { persistenceErrorPatterns } from './mosquitto-log.ts';

export class MosquittoError extends Error {
  override name = 'MosquittoError';
}

const mosquittoBinaryDefault = '/usr/sbin/mosquitto';
const startTimeoutMsDefault = 5_000;
const stopTimeoutMsDefault = 10_000;
const killTimeoutMsDefault = 2_000;
const logLinesMaxDefault = 20_000;
const startPollMs = 10;
const portAttemptsMax = 3;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the mosquitto executable is, or undefined. */
export function findMosquitto(): string | undefined {
  const configured = process.env['MQTT_DST_MOSQUITTO'];
  if (configured !== undefined && configured !== '') return isExecutable(configured) ? configured : undefined;
  if (isExecutable(mosquittoBinaryDefault)) return mosquittoBinaryDefault;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, 'mosquitto'))) return join(dir, 'mosquitto');
  }
  return undefined;
}

export function isMosquittoAvailable(): boolean {
  return findMosquitto() !== undefined;
}

/** CI sets MQTT_DST_REQUIRE_MOSQUITTO=1: then a missing binary fails the tests instead of skipping them. */
export function isMosquittoRequired(): boolean {
  return process.env['MQTT_DST_REQUIRE_MOSQUITTO'] === '1';
}

let pdeathsigWrapper: readonly string[] | undefined;

/**
 * `setpriv --pdeathsig KILL` (util-linux) makes the kernel SIGKILL mosquitto when the process
 * that spawned it dies, even by SIGKILL, where no 'exit' hook runs (a test worker killed on
 * timeout). setpriv execs mosquitto, so the pid is mosquitto's. Without setpriv: plain spawn.
 */
function spawnPrefix(): readonly string[] {
  if (pdeathsigWrapper === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 2_000 });
    pdeathsigWrapper = probe.status === 0 ? ['setpriv', '--pdeathsig', 'KILL', '--'] : [];
  }
  return pdeathsigWrapper;
}

/** The line mosquitto logs on accepting a connection from 127.0.0.1:fromPort on its listener. */
function acceptedLine(fromPort: number | undefined, port: number): RegExp {
  return new RegExp(`^New connection from ${loopback.replaceAll('.', '\\.')}:${fromPort} on port ${port}\\.$`);
}

interface Run {
  readonly number: number;
  readonly child: SpawnedChild;
  readonly exit: Promise<string>;
  exited: boolean;
  /** Set while we are the cause of the exit, so it is not reported as unexpected. */
  expectingExit: boolean;
}

export class Mosquitto {
  readonly host = loopback;
  readonly port: number;
  /** The temp dir holding mosquitto.conf and mosquitto.db. */
  readonly dir: string;
  readonly confPath: string;
  readonly binary: string;
  readonly broker: BrokerConfig;

  readonly #tempDir: TempDir;
  readonly #startTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  readonly #log: MosquittoLog;
  #unexpectedExit: string | undefined;
  #run: Run | undefined;
  #runs = 0;
  #startedAtMs = 0;
  #closed = false;
  readonly #untrack: Untrack;

  private constructor(binary: string, port: number, tempDir: TempDir, options: MosquittoOptions) {
    this.binary = binary;
    this.port = port;
    this.#tempDir = tempDir;
    this.dir = tempDir.path;
    this.confPath = join(tempDir.path, 'mosquitto.conf');
    this.broker = options.broker;
    this.#startTimeoutMs = options.startTimeoutMs ?? startTimeoutMsDefault;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? stopTimeoutMsDefault;
    this.#log = new MosquittoLog(options.logLinesMax ?? logLinesMaxDefault);
    this.#untrack = trackResource(`mosquitto on ${loopback}:${port} (${tempDir.path})`, () => this.close());
  }

  /** Writes mosquitto.conf into a fresh temp dir, starts mosquitto on a free port and waits until it accepts. */
  static async start(options: MosquittoOptions): Promise<Mosquitto> {
    const binary = options.binary ?? findMosquitto();
    if (binary === undefined) {
      const configured = process.env['MQTT_DST_MOSQUITTO'];
      const where = configured !== undefined && configured !== '' ? `MQTT_DST_MOSQUITTO=${configured} is not executable` : `not at ${mosquittoBinaryDefault} nor on PATH`;
      throw new MosquittoError(`mosquitto: no executable found (${where}); install it (Debian: apt-get install mosquitto)`);
    }
    // The port was free when the kernel gave it to us; another process may take it before
    // mosquitto binds it. That race is retried with a new port, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      try {
        return await Mosquitto.#startOnce(binary, options);
      } catch (error) {
        if (attempt >= portAttemptsMax || !(error instanceof MosquittoError) || !/Address already in use/.test(error.message)) throw error;
      }
    }
  }

  static async #startOnce(binary: string, options: MosquittoOptions): Promise<Mosquitto> {
    const port = await freePort();
    const tempDir = makeTempDir('mosquitto');
    const conf = mosquittoConf(options.broker, { port, persistenceDir: tempDir.path, asRoot: process.getuid?.() === 0 });
    if (!conf.ok) {
      await tempDir.remove();
      throw new MosquittoError(conf.error);
    }
    const broker = new Mosquitto(binary, port, tempDir, options);
    try {
      writeFileSync(broker.confPath, conf.value);
      await broker.#start();
    } catch (error) {
      await broker.close();
      throw error;
    }
    return broker;
  }

  get running(): boolean {
    return this.#run !== undefined && !this.#run.exited;
  }

  get pid(): number | undefined {
    return this.running ? this.#run?.child.pid : undefined;
  }

  /** performance.now() when the current run was spawned: its main loop, and its autosave clock (src/loop.c), started just after. */
  get startedAtMs(): number {
    return this.#startedAtMs;
  }

  /**
   * Removes the saved database (mosquitto.db, and a mosquitto.db.new a save left behind), so the
   * next start or restart after a kill begins empty, as on a fresh dir. The running broker's
   * memory is untouched; its next save writes the file again.
   */
  async forgetSaved(): Promise<void> {
    await Promise.all(['mosquitto.db', 'mosquitto.db.new'].map((name) => rm(join(this.dir, name), { force: true, recursive: true })));
  }

  /**
   * Resolves once every line mosquitto logged before the call has been read: it logs accepting a
   * probe connection ("New connection from <addr>:<port> on port <port>.") after them, and its
   * lines arrive in the order it wrote them.
   */
  async logBarrier(timeoutMs: number): Promise<void> {
    const since = this.logCursor();
    const probe = await connectProbe(this.port, timeoutMs);
    if (probe === undefined) throw new MosquittoError(`mosquitto on port ${this.port}: did not accept a probe within ${timeoutMs} ms`);
    try {
      await this.waitForLog(acceptedLine(probe.localPort, this.port), timeoutMs, since);
    } finally {
      probe.destroy();
    }
  }

  /** How many times mosquitto has been started on this dir. */
  get runs(): number {
    return this.#runs;
  }

  /** The kept log lines, oldest first. */
  log(): readonly MosquittoLogLine[] {
    return this.#log.lines();
  }

  /** Index the next log line will get: pass it to waitForLog to see only what comes after now. */
  logCursor(): number {
    return this.#log.cursor();
  }

  logTail(lines = 20): string {
    return this.#log.tail(lines);
  }

  /** Persistence errors logged so far (see persistenceErrorPatterns in mosquitto-log.ts). */
  persistenceErrors(): readonly MosquittoLogLine[] {
    return this.#log.persistenceErrors();
  }

  /** The first log line at or after index `since` that matches; throws with the log tail after timeoutMs. */
  async waitForLog(pattern: RegExp, timeoutMs: number, since = 0): Promise<MosquittoLogLine> {
    const line = await this.#log.waitFor(pattern, timeoutMs, since);
    if (line === undefined) {
      throw new MosquittoError(`mosquitto on port ${this.port}: no log line matching ${pattern} within ${timeoutMs} ms; log tail:\n${this.logTail()}`);
    }
    return line;
  }

  /** Throws if mosquitto died on its own or logged a persistence error, each reported once. */
  assertHealthy(): void {
    const unexpectedExit = this.#unexpectedExit;
    if (unexpectedExit !== undefined) {
      this.#unexpectedExit = undefined; // reported once; restart() may follow
      throw new MosquittoError(`${unexpectedExit}; log tail:\n${this.logTail()}`);
    }
    const fresh = this.#log.takeUnreportedPersistenceErrors();
    if (fresh.count > 0) {
      const more = fresh.count > fresh.lines.length ? `\n  (${fresh.count} in all)` : '';
      throw new MosquittoError(`mosquitto on port ${this.port} (${this.dir}) reported persistence errors:\n${formatLines(fresh.lines)}${more}\nlog tail:\n${this.logTail()}`);
    }
  }

  /** kill -9: the broker returns to its last save when restarted. Resolves once it has exited. */
  async kill(): Promise<void> {
    const run = this.#running('kill');
    run.expectingExit = true;
    run.child.kill('SIGKILL');
    await withTimeout(run.exit, killTimeoutMsDefault, `mosquitto pid ${run.child.pid}: exit after SIGKILL`);
    this.assertHealthy();
  }

  /**
   * SIGTERM: mosquitto saves its database (when persistence is on) and exits. Resolves once it
   * has exited cleanly and, with persistence, logged the save; otherwise throws with the log.
   */
  async stop(): Promise<void> {
    const run = this.#running('stop');
    const since = this.logCursor();
    run.expectingExit = true;
    run.child.kill('SIGTERM');
    let how: string;
    try {
      how = await withTimeout(run.exit, this.#stopTimeoutMs, `mosquitto pid ${run.child.pid}: exit after SIGTERM`);
    } catch (error) {
      run.child.kill('SIGKILL');
      await withTimeout(run.exit, killTimeoutMsDefault, `mosquitto pid ${run.child.pid}: exit after SIGKILL`);
      throw new MosquittoError(`${error instanceof Error ? error.message : String(error)}; killed; log tail:\n${this.logTail()}`);
    }
    this.assertHealthy();
    if (how !== 'code 0') throw new MosquittoError(`mosquitto on port ${this.port}: graceful stop ended with ${how}; log tail:\n${this.logTail()}`);
    if (this.broker.persistence && this.#log.find(/^Saving in-memory database/, since) === undefined) {
      throw new MosquittoError(`mosquitto on port ${this.port}: stopped without logging "Saving in-memory database"; log tail:\n${this.logTail()}`);
    }
  }

  /** Starts mosquitto again on the same dir, conf and port (after kill() or stop()). */
  async restart(): Promise<void> {
    if (this.#closed) throw new MosquittoError(`mosquitto on port ${this.port}: restart() after close()`);
    if (this.running) throw new MosquittoError(`mosquitto on port ${this.port}: restart() while running; kill() or stop() first`);
    this.assertHealthy();
    await this.#start();
  }

  /** Kills mosquitto if it runs and removes its temp dir. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#untrack();
    const run = this.#run;
    if (run !== undefined && !run.exited) {
      run.expectingExit = true;
      run.child.kill('SIGKILL');
      await withTimeout(run.exit, killTimeoutMsDefault, `mosquitto pid ${run.child.pid}: exit after SIGKILL`);
    }
    await this.#tempDir.remove();
  }

  /** The live run; when there is none, an unexpected exit is the better explanation. */
  #running(operation: string): Run {
    const run = this.#run;
    if (run === undefined || run.exited) {
      this.assertHealthy();
      throw new MosquittoError(`mosquitto on port ${this.port}: ${operation}() while not running`);
    }
    return run;
  }

  async #start(): Promise<void> {
    const number = ++this.#runs;
    this.#startedAtMs = performance.now();
    const [command, ...prefixArgs] = [...spawnPrefix(), this.binary];
    if (command === undefined) throw new MosquittoError('mosquitto: empty command');
    // Spawned off this thread's loop (spawner.ts): a start or restart in the middle of a scenario
    // must not stall the scenarios running beside it.
    const child = spawnOffLoop(command, [...prefixArgs, '-c', this.confPath]);
    let spawnError: string | undefined;
    const exit = new Promise<string>((resolve) => {
      child.once('close', (how: string) => {
        if (how.startsWith('spawn error: ')) spawnError = how.slice('spawn error: '.length);
        resolve(how);
      });
    });
    const run: Run = { number, child, exit, exited: false, expectingExit: false };
    this.#run = run;
    child.on('line', (line: string) => this.#log.add(number, line));
    if ((await child.spawned) !== undefined) trackProcess(child, `mosquitto -c ${this.confPath}`);
    void exit.then((how) => {
      run.exited = true;
      if (!run.expectingExit && !this.#closed && this.#unexpectedExit === undefined) {
        this.#unexpectedExit = `mosquitto (${this.binary}, port ${this.port}, run ${number}) exited unexpectedly: ${how}`;
      }
    });
    await this.#awaitAccepting(run, () => spawnError);
    this.assertHealthy();
  }

  /**
   * Ready means mosquitto's main loop runs, not just that the port accepts: the kernel accepts
   * as soon as 2.0.x listens, but main() sets its run flag only after signal__setup() and the
   * "running" log line, just before entering the loop, so a SIGTERM in that window is
   * overwritten and lost (observed: a stop() right after start hung until its bound). The
   * loop logs "New connection from <addr>:<port>" on accepting, so a probe that mosquitto
   * reports having accepted proves the loop runs.
   */
  async #awaitAccepting(run: Run, spawnError: () => string | undefined): Promise<void> {
    const deadline = Date.now() + this.#startTimeoutMs;
    const since = this.logCursor();
    const fail = (what: string): MosquittoError => {
      run.expectingExit = true;
      run.child.kill('SIGKILL');
      return new MosquittoError(`mosquitto (${this.binary}) ${what} on ${loopback}:${this.port} within ${this.#startTimeoutMs} ms; killed; log tail:\n${this.logTail()}`);
    };
    for (;;) {
      if (run.exited || spawnError() !== undefined) {
        const how = spawnError() ?? (await run.exit);
        run.expectingExit = true; // reported here, with the log, rather than as an unexpected exit
        this.#log.takeUnreportedPersistenceErrors(); // they are in the log tail below
        throw new MosquittoError(`mosquitto (${this.binary}) on ${loopback}:${this.port} exited during start (${how}); log tail:\n${this.logTail()}`);
      }
      const probe = await connectProbe(this.port, Math.max(1, deadline - Date.now()));
      if (probe !== undefined) {
        try {
          const accepted = acceptedLine(probe.localPort, this.port);
          const logged = await Promise.race([
            this.#log.waitFor(accepted, Math.max(1, deadline - Date.now()), since).then((line) => line !== undefined),
            run.exit.then(() => false),
          ]);
          if (logged) return;
          if (!run.exited) throw fail('accepted a connection but never logged it');
          continue; // exited: reported at the top of the loop
        } finally {
          probe.destroy();
        }
      }
      if (Date.now() >= deadline) throw fail('did not accept');
      // 2.0.x logs "mosquitto version x running" once its listeners are open: wake on it
      // (and, should a probe fail after it, poll gently rather than spin).
      if ((await this.#log.waitFor(/ running$/, startPollMs, since)) !== undefined) await delay(1);
    }
  }
}
