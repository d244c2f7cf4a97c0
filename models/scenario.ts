// A scenario is what a user or a generator asks for: the workload (messages to publish, periods
// the consumer is cleanly offline) and the nemesis (faults). It is the same on the model and on a
// real broker; faults anchored to protocol events mean the same thing on both.
import type { Config } from './config.ts';
import type { FaultKind } from './history.ts';
import type { MessageId } from './ghost.ts';
import type { QoS } from './packets.ts';

/**
 * The producers' node names, as history events carry them. A configuration has one producer
 * ('producer') or two (`producers: 2`, the second named 'producer2', configured by `producer2.*`).
 */
export type ProducerName = 'producer' | 'producer2';
export const producerNames: readonly ProducerName[] = ['producer', 'producer2'];

/** A client's link to the broker, named by the client. */
export type Link = ProducerName | 'consumer';
/** The links of a one-producer world (what the exhaustive search cuts: it runs one producer). */
export const links: readonly Link[] = ['producer', 'consumer'];
/** Every link a scenario may name; 'producer2' only with a configuration of two producers. */
export const allLinks: readonly Link[] = ['producer', 'producer2', 'consumer'];

/** History events a fault can be anchored to, for a given message. */
export type AnchorEvent = 'publish-invoked' | 'publish-sent' | 'publish-acked' | 'delivered' | 'handling-started' | 'handled';
export const anchorEvents: readonly AnchorEvent[] = [
  'publish-invoked',
  'publish-sent',
  'publish-acked',
  'delivered',
  'handling-started',
  'handled',
];

export type FaultWhen =
  /** At a virtual time (ms since the run began): for what has no protocol anchor, such as autosave timing. */
  | { readonly kind: 'time'; readonly atMs: number }
  /** delayMs after the first time `event` is recorded for `message`. */
  | { readonly kind: 'event'; readonly event: AnchorEvent; readonly message: MessageId; readonly delayMs: number };

export interface Fault {
  readonly kind: FaultKind;
  /** For connection-drop: whose link to the broker is cut. */
  readonly link?: Link;
  /** For producer-crash: which producer crashes; absent means the first ('producer'). */
  readonly producer?: ProducerName;
  readonly when: FaultWhen;
}

export interface PublishSpec {
  /** Earliest time the producer application publishes it (with sequential publishing, also after the previous acknowledgement). */
  readonly atMs: number;
  /**
   * QoS of this publish; absent means the configuration's `qos`. Messages of several QoS on one
   * topic are delivered at the lower of their own and the subscription's (MQTT 3.1.1 §3.8.4), so
   * a scenario that mixes them wants a configuration `qos` of 2 (the consumer subscribes with it).
   */
  readonly qos?: QoS;
  /** Which producer publishes it; absent means the first ('producer'). */
  readonly by?: ProducerName;
}

export interface OfflinePeriod {
  /** The consumer disconnects cleanly at fromMs (or, at 0, has never connected) and returns at toMs. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface Scenario {
  /** Message i+1 is messages[i]. */
  readonly messages: readonly PublishSpec[];
  readonly offline: readonly OfflinePeriod[];
  readonly faults: readonly Fault[];
}

/** The QoS the producer application publishes message `message` (1-based) with. */
export function publishQos(scenario: Scenario, config: Config, message: MessageId): QoS {
  return scenario.messages[message - 1]?.qos ?? config.qos;
}

/** The producer that publishes message `message` (1-based). */
export function publisherOf(scenario: Scenario, message: MessageId): ProducerName {
  return scenario.messages[message - 1]?.by ?? 'producer';
}

/** The producers a configuration runs, in order: their node names. */
export function producersOf(config: Config): readonly ProducerName[] {
  return config.producers === 2 ? producerNames : onlyFirst;
}

const onlyFirst: readonly ProducerName[] = ['producer'];

/**
 * What in `scenario` names a producer `config` does not run (a message's `by`, a producer
 * crash's `producer`, a dropped link), or undefined. Such a scenario is bad input: its message
 * would never be published, its fault never strike.
 */
export function scenarioProducerProblem(scenario: Scenario, config: Config): string | undefined {
  const known = producersOf(config);
  const unknown = (name: ProducerName | undefined): boolean => name !== undefined && !known.includes(name);
  const remedy = `the configuration has ${known.length} producer${known.length === 1 ? '' : 's'} (--set producers=2 adds 'producer2')`;
  const message = scenario.messages.findIndex((spec) => unknown(spec.by));
  if (message >= 0) return `scenario.messages[${message}].by names ${scenario.messages[message]?.by}, but ${remedy}`;
  const fault = scenario.faults.findIndex((f) => unknown(f.producer) || (f.link !== undefined && f.link !== 'consumer' && unknown(f.link)));
  if (fault >= 0) {
    const f = scenario.faults[fault] as Fault;
    return `scenario.faults[${fault}] names ${f.producer ?? f.link}, but ${remedy}`;
  }
  return undefined;
}
