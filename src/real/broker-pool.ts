// Brokers handed from one scenario of a batch to the next. A Mosquitto started and closed for
// every scenario costs about as much CPU as the rest of the harness's work on it (measured: some
// 8 ms in this process and 8 ms in mosquitto a start and close, against 3 ms for the reset
// below), so a broker the last scenario left running and healthy serves the next one, reset to
// what a fresh one would be as far as a scenario can tell:
// - sessions: a CONNECT with clean session for each client id that connected since the last reset
//   (mosquitto's own log says which) discards its session, subscriptions and messages (MQTT 3.1.1
//   §3.1.2.4; mosquitto 2.0.11 src/handle_connect.c, connect__on_authorised: sub__clean_session,
//   and the old context is disconnected with its messages), and a DISCONNECT ends the clean one.
//   No client of the harness publishes retained messages, so nothing else outlives a session.
// - the saved database is removed (Mosquitto.forgetSaved): a kill -9 and restart in the next
//   scenario comes back empty, as a fresh broker that never saved would.
// - the autosave clock cannot be reset: mosquitto 2.0.11 src/loop.c, mosquitto_main_loop, saves
//   when last_backup + autosave_interval < now (seconds; last_backup is when the loop started,
//   then each save) or, with autosave_on_changes, after autosave_interval changes counted since
//   the last save (db.persistence_changes, which a reset does not clear). So a broker is reused
//   only where neither it nor a fresh one can autosave during the next run: persistence off,
//   autosave_interval 0 (save only at exit), or autosave_on_changes off and the broker younger at
//   the run's latest end (runMsMax) than autosave_interval.
// Anything else — a broker that died, logged a persistence error, failed its reset, or another
// target than Mosquitto — is closed, and the next scenario gets a fresh one.
import { performance } from 'node:perf_hooks';
import type { BrokerConfig } from '../../models/config.ts';
import { errorMessage } from './bounded.ts';
import type { TargetOpener } from './differential.ts';
import type { Mosquitto } from './mosquitto.ts';
import { discardSessions } from './session-reset.ts';
import { openTarget, startMosquitto, WrappedControl, type BrokerControl, type TargetSpec } from './targets.ts';

/** Whether a broker `ageMs` old at the end of the run cannot autosave in it, nor could a fresh one. */
export function autosaveCannotStrike(broker: BrokerConfig, ageMs: number): boolean {
  if (!broker.persistence || broker.autosave_interval === 0) return true;
  return !broker.autosave_on_changes && ageMs < broker.autosave_interval * 1000;
}

/** Bound on a reset's wait for the log to catch up (each discard has its own, session-reset.ts). */
const resetWaitMs = 2_000;

const connectedAs = /^New client connected from \S+ as (.+) \(p\d+, c\d+, k\d+(?:, u'.*')?\)\.$/;

interface Idle {
  readonly mosquitto: Mosquitto;
  readonly control: BrokerControl;
  readonly broker: BrokerConfig;
}

export interface PoolCounts {
  started: number;
  reused: number;
}

export class BrokerPool {
  readonly counts: PoolCounts = { started: 0, reused: 0 };
  readonly #idle: Idle[] = [];
  readonly #closing: Promise<void>[] = [];
  readonly #failures: string[] = [];
  /** Log index from which each pooled broker's client ids are read (the last reset). */
  readonly #since = new WeakMap<Mosquitto, number>();

  /** A broker for a run of at most runMsMax: a reset one that can serve it, or a fresh one. */
  readonly open: TargetOpener = async (spec, broker, runMs) => {
    if (spec.kind !== 'mosquitto') {
      const control = await openTarget(spec, broker);
      this.counts.started += 1;
      return new PoolControl(this, control, undefined, broker);
    }
    const index = this.#idle.findIndex((idle) => sameBroker(idle.broker, broker) && autosaveCannotStrike(broker, performance.now() - idle.mosquitto.startedAtMs + runMs));
    const [reused] = index < 0 ? [] : this.#idle.splice(index, 1);
    if (reused !== undefined) {
      this.counts.reused += 1;
      return new PoolControl(this, reused.control, reused.mosquitto, broker);
    }
    const started = await startMosquitto(spec, broker);
    this.counts.started += 1;
    this.#since.set(started.mosquitto, started.mosquitto.logCursor());
    return new PoolControl(this, started.control, started.mosquitto, broker);
  };

  /** Called for a run's end: resets the broker in the background and keeps it, or closes it. */
  release(control: BrokerControl, mosquitto: Mosquitto | undefined, broker: BrokerConfig): void {
    const where = `${control.name} on port ${control.port}`;
    const kept = mosquitto === undefined || !mosquitto.running ? Promise.resolve(false) : this.#reset(control, mosquitto);
    this.#closing.push(
      kept
        .then(async (reset) => {
          if (reset && mosquitto !== undefined) this.#idle.push({ mosquitto, control, broker });
          else await control.close();
        })
        .catch((error: unknown) => void this.#failures.push(`${where}: ${errorMessage(error)}`)),
    );
  }

  async #reset(control: BrokerControl, mosquitto: Mosquitto): Promise<boolean> {
    try {
      control.assertHealthy();
      // Every client of the run connected before it ended: once the log has caught up with now,
      // the line of each connection is among those read (log lines and packets reach this
      // thread by different paths, so a line can come after the CONNACK it precedes).
      await mosquitto.logBarrier(resetWaitMs);
    } catch {
      return false;
    }
    const since = this.#since.get(mosquitto) ?? 0;
    const ids = new Set<string>();
    const lines = mosquitto.log();
    // Lines are kept in index order: start at the first one since the last reset.
    for (let at = Math.max(0, since - (lines[0]?.index ?? since)); at < lines.length; at++) {
      const match = connectedAs.exec(lines[at]?.text ?? '');
      if (match?.[1] !== undefined) ids.add(match[1]);
    }
    const problems = await discardSessions(control, [...ids]);
    await mosquitto.forgetSaved();
    this.#since.set(mosquitto, mosquitto.logCursor());
    if (problems.length > 0 || !mosquitto.running) return false;
    try {
      control.assertHealthy();
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves once every reset and close under way has ended. */
  async settled(): Promise<void> {
    while (this.#closing.length > 0) await Promise.all(this.#closing.splice(0));
  }

  /** Waits for every reset and close under way, then closes the idle brokers; a failure to close fails the batch. */
  async closeAll(): Promise<void> {
    await this.settled();
    await Promise.all(this.#idle.splice(0).map((idle) => idle.control.close().catch((error: unknown) => void this.#failures.push(errorMessage(error)))));
    if (this.#failures.length > 0) throw new Error(`closing brokers failed: ${this.#failures.join('; ')}`);
  }
}

function sameBroker(a: BrokerConfig, b: BrokerConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The broker a run sees: its close hands it back to the pool instead. */
class PoolControl extends WrappedControl {
  #released = false;
  constructor(
    private readonly pool: BrokerPool,
    inner: BrokerControl,
    private readonly mosquitto: Mosquitto | undefined,
    private readonly broker: BrokerConfig,
  ) {
    super(inner);
  }
  override close(): Promise<void> {
    if (!this.#released) this.pool.release(this.inner, this.mosquitto, this.broker);
    this.#released = true;
    return Promise.resolve();
  }
}
