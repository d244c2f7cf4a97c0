// A configuration is plain data: broker settings under mosquitto.conf's own names, the client
// profiles, and the harness's timing. Presets (models/presets.ts) are values of this type.
import type { QoS } from './packets.ts';

/**
 * Which broker's rules the model follows. 'mosquitto-2.0' (default): Mosquitto 2.0.11 as Debian
 * ships it. 'aedes-1.2': aedes 1.2 over aedes-persistence 11's memory store, where they differ:
 * an incoming QoS 2 message is forwarded on PUBLISH, not on PUBREL, a held packet id is a resend
 * whatever it carries, and there is no receive quota (models/broker-publish.ts); a subscriber's
 * outgoing store, its PUBREL packet ids and when writes go out (models/broker-aedes.ts); no
 * SIGTERM window (src/sim/world.ts). aedes's other differences are settings (aedesModelConfig in
 * src/real/real-scenarios.ts).
 */
export type BrokerProfile = 'mosquitto-2.0' | 'aedes-1.2';
export const brokerProfiles: readonly BrokerProfile[] = ['mosquitto-2.0', 'aedes-1.2'];

export interface BrokerConfig {
  /** Absent means 'mosquitto-2.0'. */
  readonly profile?: BrokerProfile;
  /** mosquitto.conf `persistence`: keep the in-memory database on disk. */
  readonly persistence: boolean;
  /** mosquitto.conf `autosave_interval`: seconds between saves, or changes when autosave_on_changes. 0 = only on shutdown. */
  readonly autosave_interval: number;
  /** mosquitto.conf `autosave_on_changes`. */
  readonly autosave_on_changes: boolean;
  /** mosquitto.conf `max_inflight_messages`: outgoing QoS 1/2 messages in flight per client; 0 = no limit. */
  readonly max_inflight_messages: number;
  /** mosquitto.conf `max_queued_messages`: queued (not inflight) messages per client beyond which new ones are dropped; 0 = no limit. */
  readonly max_queued_messages: number;
  /** mosquitto.conf `queue_qos0_messages`: queue QoS 0 messages for offline persistent clients. */
  readonly queue_qos0_messages: boolean;
  /**
   * Harness extension, NOT a Mosquitto setting (no mosquitto.conf line can express it): a
   * hypothetical ideal broker that writes its database (the same snapshot persist__backup
   * writes) at the end of every step that handled a packet or a hangup, before any packet that
   * step emits leaves, so no acknowledgement or forwarded copy ever gets ahead of the disk.
   * Needs `persistence`. Absent means false: every real broker, and every config that names
   * only mosquitto.conf keys. Mosquitto's nearest, `autosave_on_changes true` with
   * `autosave_interval 1`, counts only some changes (see broker.ts finish) and saves after them.
   */
  readonly save_before_ack?: boolean;
}

/**
 * 'paho': the blog's producer, paho-mqtt 1.x with its messages in memory only (models/producer.ts).
 * 'outbox': the same library under an application with a durable outbox and end-to-end
 * acknowledgement (models/producer-outbox.ts): a message counts as acknowledged only when the
 * consuming application's reply arrives (models/e2e-ack.ts), and it is resent until then.
 */
export type ProducerProfile = 'paho' | 'outbox';
export const producerProfiles: readonly ProducerProfile[] = ['paho', 'outbox'];

/**
 * 'paho': paho-mqtt 1.x acknowledges QoS 2 (PUBREC) before the application handles it.
 * 'manual-ack': the acknowledgement goes out after the handler returns.
 * 'dedup': manual-ack plus a durable dedup store committed atomically with the side effect; a
 * message whose application id (its payload) is in the store is acknowledged, not handled again
 * (models/consumer-dedup.ts).
 */
export type ConsumerProfile = 'paho' | 'manual-ack' | 'dedup';
export const consumerProfiles: readonly ConsumerProfile[] = ['paho', 'manual-ack', 'dedup'];

export interface ProducerConfig {
  readonly profile: ProducerProfile;
  readonly client_id: string;
  readonly clean_session: boolean;
  /** Delay between publish() returning and the network loop writing the PUBLISH. */
  readonly loopMs: number;
  /** 'sequential': each publish waits for the previous message's acknowledgement (the blog's producer); 'scheduled': at its time. */
  readonly publish_mode: 'sequential' | 'scheduled';
  /**
   * 'outbox' only: period of the application's resend timer, which publishes again every outbox
   * message not acknowledged end to end and no longer held by the library. Ignored by 'paho'.
   */
  readonly resendMs: number;
}

export type ProducerCount = 1 | 2;

export interface ConsumerConfig {
  readonly profile: ConsumerProfile;
  readonly client_id: string;
  readonly clean_session: boolean;
  /** How long the application's handling (its side effect) takes. */
  readonly handlingMs: number;
  /** Delay between the handler returning and the library writing its acknowledgement. */
  readonly loopMs: number;
  /**
   * After handling a message (and, with 'dedup', on recognising one already handled), the
   * application publishes the end-to-end acknowledgement the 'outbox' producer waits for
   * (models/e2e-ack.ts). Any profile may; the 'outbox' producer needs it.
   */
  readonly e2e_ack: boolean;
}

export interface NetworkConfig {
  /** One-way latency of a packet, chosen per packet in [latencyMsMin, latencyMsMax]. */
  readonly latencyMsMin: number;
  readonly latencyMsMax: number;
}

export interface TimingConfig {
  /** A client's wait before reconnecting after a lost connection or a failed attempt. */
  readonly reconnectDelayMs: number;
  /** A crashed or stopped process's wait before it runs again (its supervisor's delay). */
  readonly restartDelayMs: number;
  /**
   * The broker's, when it is not restartDelayMs: check-broker explains a real run with the time
   * the real broker took to come back (the supervisor's delay plus its start-up), measured in
   * that run (src/real/differential.ts asRunOf); unset everywhere else.
   */
  readonly brokerRestartDelayMs?: number;
  /** Virtual-time bound of the healing phase after the scenario's last fault. */
  readonly healingMsMax: number;
  /** Bound on events processed in one run. */
  readonly eventsMax: number;
}

export interface Config {
  /** QoS of every publish and of the consumer's subscription. */
  readonly qos: QoS;
  readonly topic: string;
  readonly broker: BrokerConfig;
  readonly producer: ProducerConfig;
  /**
   * How many producers publish to the topic: 1, or 2 with a second producer ('producer2' in
   * histories and scenarios) configured by `producer2`. A scenario names each message's
   * publisher (PublishSpec.by) and which producer a fault strikes.
   */
  readonly producers: ProducerCount;
  /** The second producer: its own client id, session and profile; used only with `producers: 2`. */
  readonly producer2: ProducerConfig;
  readonly consumer: ConsumerConfig;
  readonly network: NetworkConfig;
  readonly timing: TimingConfig;
}
