// A scenario is what a user or a generator asks for: the workload (messages to publish, periods
// the consumer is cleanly offline) and the nemesis (faults). It is the same on the model and on a
// real broker; faults anchored to protocol events mean the same thing on both.
import type { Config } from './config.ts';
import type { FaultKind } from './history.ts';
import type { MessageId } from './ghost.ts';
import type { QoS } from './packets.ts';

export type Link = 'producer' | 'consumer';
export const links: readonly Link[] = ['producer', 'consumer'];

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
