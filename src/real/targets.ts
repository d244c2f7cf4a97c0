// What check-broker runs a scenario against, behind one interface: a Mosquitto process, an
// embedded aedes, or an external broker at a URL. Broker faults are the process's verbs — kill
// (kill -9), stop (SIGTERM: save, close, exit), restart on the same port and data — and an
// external broker has none of them: only client faults and connection drops apply to it.
import type { BrokerConfig } from '../../models/config.ts';
import { err, ok, type Result } from '../../models/result.ts';
import { AedesBroker, aedesDurabilityFor } from './aedes-broker.ts';
import { errorMessage } from './bounded.ts';
import { Mosquitto } from './mosquitto.ts';
import { PacketSocket } from './packet-socket.ts';

export type TargetSpec =
  | { readonly kind: 'mosquitto'; readonly binary?: string }
  | { readonly kind: 'aedes' }
  | { readonly kind: 'url'; readonly host: string; readonly port: number };

export type TargetKind = TargetSpec['kind'];

/** A running broker as a scenario run sees it. */
export interface BrokerControl {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Whether kill/stop/restart exist (not for an external broker). */
  readonly controllable: boolean;
  /** Abrupt end, as kill -9: nothing more runs in the broker. */
  kill(): Promise<void>;
  /** Graceful end, as SIGTERM: a broker with persistence saves first. */
  stop(): Promise<void>;
  /** Starts again on the same port and data after kill() or stop(). */
  restart(): Promise<void>;
  /** Throws if the broker failed on its own (died, logged a persistence error). */
  assertHealthy(): void;
  /** What the broker logged, each line with the wall-clock ms it reached the harness (Mosquitto: log_type all); absent where there is no log. */
  readLog?(): readonly { readonly atMs: number; readonly text: string }[];
  /** Releases the broker and whatever it holds (process, temp dir). Idempotent. */
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
}

/** Parses `mqtt://host:port` (the port is required: no default 1883 sneaks in). */
export function parseBrokerUrl(text: string): Result<{ readonly host: string; readonly port: number }> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(`--url: expected mqtt://HOST:PORT, got '${text}'`);
  }
  if (url.protocol !== 'mqtt:') return err(`--url: only mqtt:// (plain TCP) is supported, got '${url.protocol}//'`);
  if (url.username !== '' || url.password !== '') return err('--url: credentials are not supported');
  if (url.pathname !== '' && url.pathname !== '/') return err(`--url: unexpected path '${url.pathname}'`);
  const port = Number(url.port);
  if (url.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) return err(`--url: expected a port, e.g. mqtt://127.0.0.1:1883, got '${text}'`);
  // URL keeps IPv6 literals in brackets; net.connect wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return ok({ host, port });
}

/** A broker control that passes everything to another; a subclass changes what it needs (times it, closes in the background). */
export class WrappedControl implements BrokerControl {
  constructor(protected readonly inner: BrokerControl) {}
  get name(): string {
    return this.inner.name;
  }
  get host(): string {
    return this.inner.host;
  }
  get port(): number {
    return this.inner.port;
  }
  get controllable(): boolean {
    return this.inner.controllable;
  }
  kill(): Promise<void> {
    return this.inner.kill();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  restart(): Promise<void> {
    return this.inner.restart();
  }
  assertHealthy(): void {
    this.inner.assertHealthy();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

class MosquittoControl implements BrokerControl {
  readonly name = 'mosquitto';
  readonly controllable = true;
  constructor(private readonly mosquitto: Mosquitto) {}
  get host(): string {
    return this.mosquitto.host;
  }
  get port(): number {
    return this.mosquitto.port;
  }
  kill(): Promise<void> {
    return this.mosquitto.kill();
  }
  stop(): Promise<void> {
    return this.mosquitto.stop();
  }
  restart(): Promise<void> {
    return this.mosquitto.restart();
  }
  assertHealthy(): void {
    this.mosquitto.assertHealthy();
  }

  readLog(): readonly { readonly atMs: number; readonly text: string }[] {
    return this.mosquitto.log();
  }
  close(): Promise<void> {
    return this.mosquitto.close();
  }
}

class AedesControl implements BrokerControl {
  readonly name = 'aedes';
  readonly controllable = true;
  constructor(private readonly aedes: AedesBroker) {}
  get host(): string {
    return this.aedes.host;
  }
  get port(): number {
    return this.aedes.port;
  }
  kill(): Promise<void> {
    return this.aedes.crash();
  }
  stop(): Promise<void> {
    return this.aedes.stop();
  }
  restart(): Promise<void> {
    return this.aedes.restart();
  }
  assertHealthy(): void {
    const errors = this.aedes.errors();
    if (errors.length > 0) throw new Error(`aedes on port ${this.aedes.port} emitted errors: ${errors.join('; ')}`);
  }
  close(): Promise<void> {
    return this.aedes.close();
  }
}

class ExternalControl implements BrokerControl {
  readonly name: string;
  readonly controllable = false;
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.name = `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  kill(): Promise<void> {
    return Promise.reject(new Error(`${this.name}: an external broker cannot be killed by the harness`));
  }
  stop(): Promise<void> {
    return Promise.reject(new Error(`${this.name}: an external broker cannot be stopped by the harness`));
  }
  restart(): Promise<void> {
    return Promise.reject(new Error(`${this.name}: an external broker cannot be restarted by the harness`));
  }
  assertHealthy(): void {}
  async close(): Promise<void> {}
}

/** A Mosquitto of its own for a run, and its control; one that cannot be started is a BrokerUnavailableError. */
export async function startMosquitto(spec: Extract<TargetSpec, { kind: 'mosquitto' }>, broker: BrokerConfig): Promise<{ readonly mosquitto: Mosquitto; readonly control: BrokerControl }> {
  try {
    const mosquitto = await Mosquitto.start({ broker, ...(spec.binary === undefined ? {} : { binary: spec.binary }) });
    return { mosquitto, control: new MosquittoControl(mosquitto) };
  } catch (error) {
    throw new BrokerUnavailableError(`mosquitto unavailable: ${errorMessage(error).split('\n')[0]}`);
  }
}

/**
 * Starts (or, for a URL, probes) the target for one run. A broker that cannot be had —
 * no mosquitto binary, nothing listening at the URL, not an MQTT broker — is a
 * BrokerUnavailableError with one line saying why.
 */
export async function openTarget(spec: TargetSpec, broker: BrokerConfig): Promise<BrokerControl> {
  switch (spec.kind) {
    case 'mosquitto':
      return (await startMosquitto(spec, broker)).control;
    case 'aedes':
      return new AedesControl(await AedesBroker.start({ durability: aedesDurabilityFor(broker) }));
    case 'url':
      await probeBroker(spec.host, spec.port);
      return new ExternalControl(spec.host, spec.port);
    default: {
      const never: never = spec;
      throw new Error(`unknown target ${JSON.stringify(never)}`);
    }
  }
}

/** A clean-session CONNECT/CONNACK round trip: the URL has an MQTT 3.1.1 broker that accepts us. */
export async function probeBroker(host: string, port: number, timeoutMs = 2_000): Promise<void> {
  const where = `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let socket: PacketSocket;
  try {
    socket = await PacketSocket.connect(host, port, { connectTimeoutMs: timeoutMs, label: 'probe' });
  } catch (error) {
    throw new BrokerUnavailableError(`no broker at ${where}: ${errorMessage(error).replace(/^packet socket probe: /, '')}`);
  }
  try {
    const clientId = `mqtt-dst-probe-${process.pid}-${Date.now()}`;
    socket.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 0 });
    const connack = await socket.expect('connack', timeoutMs);
    if (connack.returnCode !== 0) throw new BrokerUnavailableError(`${where} refused the probe's CONNECT (return code ${connack.returnCode})`);
    socket.send({ cmd: 'disconnect' });
  } catch (error) {
    if (error instanceof BrokerUnavailableError) throw error;
    throw new BrokerUnavailableError(`${where} did not answer an MQTT 3.1.1 CONNECT: ${errorMessage(error)}`);
  } finally {
    await socket.close();
  }
}
