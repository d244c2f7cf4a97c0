// Random scenarios for real brokers: the explorer's workload generator (src/explore/arbitraries.ts)
// with small message counts and short offline periods (they cost real time), and faults anchored
// to protocol events only — a fault at a wall-clock time means something different on every run
// of a real broker, one anchored to "2 ms after the consumer started handling m1" does not.
import fc from 'fast-check';
import type { Config } from '../../models/config.ts';
import type { FaultKind } from '../../models/history.ts';
import { anchorEvents, type Fault, type ProducerName, type Scenario } from '../../models/scenario.ts';
import { defaultBounds, scenarioArbitrary, withProducerTarget, type ExploreCase } from '../explore/arbitraries.ts';

export interface RealScenarioBounds {
  readonly messagesMin: number;
  readonly messagesMax: number;
  readonly faultsMin: number;
  readonly faultsMax: number;
  readonly faultKinds: readonly FaultKind[];
  /**
   * Nothing is scheduled before this: the consumer has subscribed by then, on the model (whose
   * latencies add up to ~20 ms) and on a real broker alike, so the two start from the same state.
   */
  readonly startMs: number;
  /** Publish times and offline starts fall in [startMs, startMs + horizonMs]. */
  readonly horizonMs: number;
  readonly offlinePeriodsMax: number;
  readonly offlineMsMax: number;
  /** An anchored fault strikes 0..delayMsMax ms after its anchor. */
  readonly delayMsMax: number;
}

export const realBoundsDefault: RealScenarioBounds = {
  messagesMin: 1,
  messagesMax: 3,
  faultsMin: 1,
  faultsMax: 2,
  faultKinds: defaultBounds.faultKinds,
  startMs: 50,
  horizonMs: 100,
  offlinePeriodsMax: 1,
  offlineMsMax: 300,
  delayMsMax: 20,
};

/** The explorer's offline lengths go up to 2000 ms; real ones are scaled into [1, offlineMsMax]. */
const exploreOfflineMsMax = 2_000;

function eventFault(bounds: RealScenarioBounds, messages: number, producers: readonly ProducerName[]): fc.Arbitrary<Fault> {
  const fault = fc
    .record({
      kind: fc.constantFrom(...bounds.faultKinds),
      link: fc.constantFrom('producer' as const, 'consumer' as const),
      event: fc.constantFrom(...anchorEvents),
      // Only messages the scenario has: an anchor that never occurs wastes a real run.
      message: fc.integer({ min: 1, max: messages }),
      delayMs: fc.integer({ min: 0, max: bounds.delayMsMax }),
    })
    .map(({ kind, link, event, message, delayMs }): Fault => {
      const when = { kind: 'event', event, message, delayMs } as const;
      return kind === 'connection-drop' ? { kind, link, when } : { kind, when };
    });
  // One producer: these draws alone, as before; with two, each producer fault names its producer.
  return producers.length === 1 ? fault : fault.chain((drawn) => withProducerTarget(drawn, producers));
}

function shifted(workload: Scenario, bounds: RealScenarioBounds): Pick<Scenario, 'messages' | 'offline'> {
  return {
    messages: workload.messages.map((message) => ({ ...message, atMs: bounds.startMs + message.atMs })),
    offline: workload.offline.map((period) => {
      const fromMs = bounds.startMs + period.fromMs;
      const lengthMs = 1 + Math.floor(((period.toMs - period.fromMs - 1) * (bounds.offlineMsMax - 1)) / (exploreOfflineMsMax - 1));
      return { fromMs, toMs: fromMs + lengthMs };
    }),
  };
}

/** `producers`: the configuration's (models/scenario.ts producersOf); each message's publisher is drawn among them. */
export function realCaseArbitrary(bounds: RealScenarioBounds, producers: readonly ProducerName[] = ['producer']): fc.Arbitrary<ExploreCase> {
  const workload = scenarioArbitrary({
    ...defaultBounds,
    messagesMin: bounds.messagesMin,
    messagesMax: bounds.messagesMax,
    faultsMax: 0,
    horizonMs: bounds.horizonMs,
    offlinePeriodsMax: bounds.offlinePeriodsMax,
  }, producers);
  return workload.chain((generated) => {
    const base = shifted(generated, bounds);
    const faults =
      bounds.faultKinds.length === 0 || bounds.faultsMax === 0
        ? fc.constant<Fault[]>([])
        : fc.array(eventFault(bounds, base.messages.length, producers), { minLength: Math.min(bounds.faultsMin, bounds.faultsMax), maxLength: bounds.faultsMax });
    return fc.record({
      scenario: faults.map((list): Scenario => ({ ...base, faults: list })),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    });
  });
}

/** `count` cases, the same for the same seed and bounds. */
export function sampleRealCases(bounds: RealScenarioBounds, count: number, seed: number, producers: readonly ProducerName[] = ['producer']): ExploreCase[] {
  return fc.sample(realCaseArbitrary(bounds, producers), { seed, numRuns: count });
}

/** Fault kinds a target supports: an external broker cannot be killed or restarted by the harness. */
export function faultKindsFor(controllable: boolean, kinds: readonly FaultKind[]): readonly FaultKind[] {
  return controllable ? kinds : kinds.filter((kind) => kind !== 'broker-kill' && kind !== 'broker-restart');
}

/** The largest window MQTT 3.1.1's 16-bit packet ids allow: in effect no inflight limit. */
export const aedesInflightWindow = 65_535;

/**
 * The model configuration that stands for aedes: aedes has no autosave (with a durable store it
 * commits every change before it acknowledges, the broker model's save_before_ack), no
 * max_queued_messages and no max_inflight_messages. The window is the largest one rather than
 * Mosquitto's "0 = no limit", because with 0 Mosquitto (and its model) restores every message
 * of a saved session into the queue and writes it again as a PUBLISH, even one that awaited
 * PUBCOMP (models/broker-persist.ts) — a Mosquitto quirk aedes does not have: it resends the
 * PUBREL. aedes never queues a QoS 0 message for an offline client (aedes.js: only
 * publishFuncsQoS has enqueueOffline; deliver0 in lib/client.js reaches connected clients
 * alone), which is Mosquitto's queue_qos0_messages false. Anything else is left as given.
 */
export function aedesModelConfig(config: Config, overrides: Readonly<Record<string, string>> = {}): Config {
  return {
    ...config,
    broker: {
      ...config.broker,
      // The aedes profile, unless the user named one (to hold aedes against Mosquitto's rules).
      profile: overrides['broker.profile'] === undefined ? 'aedes-1.2' : (config.broker.profile ?? 'mosquitto-2.0'),
      ...(config.broker.persistence ? { save_before_ack: true } : {}),
      max_inflight_messages: aedesInflightWindow,
      max_queued_messages: 0,
      queue_qos0_messages: false,
    },
  };
}

/**
 * A broker on 127.0.0.1 answers through the fault proxy in a fraction of a millisecond, faster
 * than the presets' model network (1-5 ms a packet): the model of a check-broker run uses a
 * loopback network, 0-1 ms, unless the user set network.* explicitly.
 */
export const loopbackNetwork: Config['network'] = { latencyMsMin: 0, latencyMsMax: 1 };

export function withLoopbackNetwork(config: Config, overrides: Readonly<Record<string, string>>): Config {
  return Object.keys(overrides).some((key) => key.startsWith('network.')) ? config : { ...config, network: loopbackNetwork };
}
