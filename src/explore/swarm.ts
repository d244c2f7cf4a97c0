// Swarm scenarios: the seed draws the configuration as well as the scenario, from the ranges
// users run (swarm testing, Groce et al. 2012: a random subset of features per run finds what one
// fixed configuration never exercises). What is drawn is a set of `--set` overrides on a preset,
// so every case prints, saves and replays as an ordinary `--preset P --set …` run.
//
// The same cases feed `explore --swarm` (the model alone) and `check-broker --swarm` (the model
// beside a real broker): times are small enough for a real run (Mosquitto's autosave_interval is
// real seconds, so it is drawn small for its window to open inside a run), faults are anchored to
// protocol events or struck at a time.
import fc from 'fast-check';
import type { Config } from '../../models/config.ts';
import type { FaultKind } from '../../models/history.ts';
import type { QoS } from '../../models/packets.ts';
import { resolveConfig, type Overrides } from '../../models/presets.ts';
import { anchorEvents, producerNames, type Fault, type OfflinePeriod, type PublishSpec, type Scenario } from '../../models/scenario.ts';
import { withProducerTarget, type ExploreCase } from './arbitraries.ts';

export interface SwarmBounds {
  readonly messagesMax: number;
  readonly faultsMax: number;
  readonly faultKinds: readonly FaultKind[];
  /** Nothing is scheduled before this: the consumer has subscribed by then, on the model and on a real broker. */
  readonly startMs: number;
  /** Publish times, offline starts and time faults fall in [startMs, startMs + horizonMs]. */
  readonly horizonMs: number;
  readonly offlineMsMax: number;
  /** An anchored fault strikes 0..delayMsMax ms after its anchor. */
  readonly delayMsMax: number;
  /** Whether faults may be struck at a time as well as at a protocol event. */
  readonly timeFaults: boolean;
}

export const swarmBoundsDefault: SwarmBounds = {
  messagesMax: 4,
  faultsMax: 2,
  faultKinds: ['broker-kill', 'broker-restart', 'consumer-crash', 'producer-crash', 'connection-drop'],
  startMs: 50,
  horizonMs: 150,
  offlineMsMax: 300,
  delayMsMax: 20,
  timeFaults: true,
};

/** A swarm case: the overrides it drew on top of the base (the base's own overrides included), its scenario and model seed. */
export interface SwarmCase extends ExploreCase {
  readonly overrides: Overrides;
  readonly config: Config;
}

/** How the producer's messages are timed: one at a time, or scheduled without waiting (spread, or all at once). */
type Pacing = 'sequential' | 'spread' | 'burst';

/** Either every message has the configuration's QoS, or each its own on one topic. */
type QosPlan = { readonly kind: 'uniform'; readonly qos: QoS } | { readonly kind: 'mixed' };

interface Drawn {
  readonly broker: Overrides;
  readonly clients: Overrides;
  readonly pacing: Pacing;
  readonly qos: QosPlan;
}

const qosArbitrary = fc.constantFrom<QoS>(0, 1, 2);

function brokerArbitrary(): fc.Arbitrary<Overrides> {
  return fc
    .record({
      persistence: fc.boolean(),
      onChanges: fc.boolean(),
      // Seconds between saves (small, so the window opens inside a run, or the blog's 1800), or
      // with autosave_on_changes a count of changes (man mosquitto.conf, autosave_on_changes).
      intervalS: fc.constantFrom(1, 2, 1800),
      changes: fc.integer({ min: 1, max: 4 }),
      inflight: fc.constantFrom(1, 2, 3, 20),
      queued: fc.constantFrom(0, 1, 2, 5, 1000),
      queueQos0: fc.boolean(),
    })
    .map((b) => ({
      'broker.persistence': String(b.persistence),
      'broker.autosave_on_changes': String(b.onChanges),
      'broker.autosave_interval': String(b.onChanges ? b.changes : b.intervalS),
      'broker.max_inflight_messages': String(b.inflight),
      'broker.max_queued_messages': String(b.queued),
      'broker.queue_qos0_messages': String(b.queueQos0),
    }));
}

function clientsArbitrary(): fc.Arbitrary<Overrides> {
  return fc
    .record({
      // A persistent producer session under its fixed client id is resumed by the restarted
      // process: client id reuse across restarts (paho's default is a clean session).
      producerClean: fc.boolean(),
      consumerClean: fc.constantFrom(false, false, true),
      // Never 0: a real client's 0 ms timer fires after about 1 ms, and a real run is then slower than
      // the model's by one handling per message (seen as a kill cutting messages the model had handled).
      handlingMs: fc.constantFrom(1, 5, 20),
    })
    .map((c) => ({
      'producer.clean_session': String(c.producerClean),
      'consumer.clean_session': String(c.consumerClean),
      'consumer.handlingMs': String(c.handlingMs),
    }));
}

function drawnArbitrary(): fc.Arbitrary<Drawn> {
  return fc.record({
    broker: brokerArbitrary(),
    clients: clientsArbitrary(),
    pacing: fc.constantFrom<Pacing>('sequential', 'spread', 'burst'),
    qos: fc.oneof(
      qosArbitrary.map((qos): QosPlan => ({ kind: 'uniform', qos })),
      fc.constant<QosPlan>({ kind: 'mixed' }),
    ),
  });
}

function drawnOverrides(drawn: Drawn): Overrides {
  return {
    ...drawn.broker,
    ...drawn.clients,
    'producer.publish_mode': drawn.pacing === 'sequential' ? 'sequential' : 'scheduled',
    // Mixed QoS: the consumer subscribes with QoS 2, so each message keeps its own (MQTT 3.1.1 §3.8.4).
    qos: String(drawn.qos.kind === 'uniform' ? drawn.qos.qos : 2),
  };
}

function messagesArbitrary(bounds: SwarmBounds, drawn: Drawn): fc.Arbitrary<PublishSpec[]> {
  const qos = drawn.qos.kind === 'mixed' ? qosArbitrary.map((value): QoS | undefined => value) : fc.constant(undefined);
  const at = fc.integer({ min: 0, max: drawn.pacing === 'burst' ? 0 : bounds.horizonMs });
  return fc
    .array(fc.record({ at, qos }), { minLength: 1, maxLength: bounds.messagesMax })
    .map((list) =>
      [...list]
        .sort((a, b) => a.at - b.at)
        .map(({ at: offsetMs, qos: own }) => (own === undefined ? { atMs: bounds.startMs + offsetMs } : { atMs: bounds.startMs + offsetMs, qos: own })),
    );
}

function offlineArbitrary(bounds: SwarmBounds): fc.Arbitrary<OfflinePeriod[]> {
  return fc.array(
    fc
      .record({ fromMs: fc.integer({ min: 1, max: bounds.horizonMs }), lengthMs: fc.integer({ min: 1, max: bounds.offlineMsMax }) })
      .map(({ fromMs, lengthMs }) => ({ fromMs: bounds.startMs + fromMs, toMs: bounds.startMs + fromMs + lengthMs })),
    { maxLength: 1 },
  );
}

function faultArbitrary(bounds: SwarmBounds, messages: number): fc.Arbitrary<Fault> {
  const event = fc.record({
    kind: fc.constant('event' as const),
    event: fc.constantFrom(...anchorEvents),
    // Only messages the scenario has: an anchor that never occurs wastes a real run.
    message: fc.integer({ min: 1, max: messages }),
    delayMs: fc.integer({ min: 0, max: bounds.delayMsMax }),
  });
  const time = fc.record({ kind: fc.constant('time' as const), atMs: fc.integer({ min: bounds.startMs, max: bounds.startMs + bounds.horizonMs }) });
  // Event anchors are what make a real run comparable; time faults are a quarter of the draws.
  const when = bounds.timeFaults ? fc.oneof({ arbitrary: event, weight: 3 }, { arbitrary: time, weight: 1 }) : event;
  return fc
    .record({ kind: fc.constantFrom(...bounds.faultKinds), link: fc.constantFrom('producer' as const, 'consumer' as const), when })
    .map(({ kind, link, when: at }): Fault => (kind === 'connection-drop' ? { kind, link, when: at } : { kind, when: at }));
}

function scenarioArbitrary(bounds: SwarmBounds, drawn: Drawn): fc.Arbitrary<Scenario> {
  return messagesArbitrary(bounds, drawn).chain((messages) =>
    fc.record({
      messages: fc.constant(messages),
      offline: offlineArbitrary(bounds),
      faults:
        bounds.faultKinds.length === 0 || bounds.faultsMax === 0
          ? fc.constant<Fault[]>([])
          : fc.array(faultArbitrary(bounds, messages.length), { maxLength: bounds.faultsMax }),
    }),
  );
}

interface DrawnCase {
  readonly overrides: Overrides;
  readonly scenario: Scenario;
  readonly seed: number;
}

/**
 * A drawn configuration (as overrides), its scenario, and the model's seed. `producers`: the
 * number of producers the user pinned (--set producers=N), if any; otherwise it is drawn.
 */
export function swarmArbitrary(bounds: SwarmBounds, producers?: string): fc.Arbitrary<DrawnCase> {
  return drawnArbitrary()
    .chain((drawn) =>
      fc.record({
        overrides: fc.constant(drawnOverrides(drawn)),
        scenario: scenarioArbitrary(bounds, drawn),
        seed: fc.integer({ min: 1, max: 0x7fffffff }),
      }),
    )
    .chain((drawn) => withSecondProducer(drawn, producers));
}

/**
 * One or two producers. Drawn after everything else, so that a case left with one producer is
 * the very case the same seed drew before the second producer existed. With two, the second
 * has a session of its own drawn (clean, or persistent under its fixed id), is paced as the
 * first (the pacing drew the messages' times, which they share), and each message's publisher
 * and each producer fault's producer are drawn between them.
 */
function withSecondProducer(drawn: DrawnCase, pinned: string | undefined): fc.Arbitrary<DrawnCase> {
  return fc.record({ two: fc.constantFrom(false, false, true), clean: fc.boolean() }).chain(({ two, clean }) => {
    // Drawn either way, so that pinning the count changes no other draw of the case.
    if (pinned === undefined ? !two : pinned !== '2') return fc.constant(drawn);
    const { messages, faults } = drawn.scenario;
    const publishers = fc.array(fc.constantFrom(...producerNames), { minLength: messages.length, maxLength: messages.length });
    const targets = fc.tuple(...faults.map((fault) => withProducerTarget(fault, producerNames)));
    return fc.tuple(publishers, targets).map(([by, named]): DrawnCase => ({
      seed: drawn.seed,
      overrides: {
        ...drawn.overrides,
        producers: '2',
        'producer2.clean_session': String(clean),
        'producer2.publish_mode': drawn.overrides['producer.publish_mode'] ?? 'sequential',
      },
      // The first producer's messages name no publisher, as in a one-producer scenario.
      scenario: { ...drawn.scenario, messages: messages.map((spec, index) => (by[index] === 'producer2' ? { ...spec, by: 'producer2' } : spec)), faults: named },
    }));
  });
}

/**
 * `count` swarm cases on `preset`, the same for the same seed and bounds. The base overrides
 * (the user's `--set`) win over drawn ones, so a user pins a dimension by setting it. A drawn
 * configuration the preset cannot take (validateConfig) is an error naming it: the ranges
 * above are meant to be valid on every preset that passes them.
 */
export function sampleSwarm(preset: string, base: Overrides, bounds: SwarmBounds, count: number, seed: number): SwarmCase[] {
  return fc.sample(swarmArbitrary(bounds, base['producers']), { seed, numRuns: count }).map((drawn) => {
    const overrides = { ...drawn.overrides, ...base };
    const config = resolveConfig(preset, overrides);
    if (!config.ok) throw new Error(`swarm: drawn configuration is invalid on preset ${preset}: ${config.error}`);
    return { overrides, config: config.value, scenario: drawn.scenario, seed: drawn.seed };
  });
}

/** The drawn settings a case differs from its preset by, as `--set` arguments. */
export function overridesText(overrides: Overrides): string {
  return Object.entries(overrides)
    .map(([key, value]) => `--set ${key}=${value}`)
    .join(' ');
}
