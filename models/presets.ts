// Named configurations, and `--set path=value` overrides applied to them with validation.
import type { Config } from './config.ts';
import { brokerProfiles, consumerProfiles, producerProfiles } from './config.ts';
import { e2eAckTopic } from './e2e-ack.ts';
import { err, ok, type Result } from './result.ts';
import { topicMatches } from './topic-match.ts';

const harnessTiming = {
  reconnectDelayMs: 100,
  restartDelayMs: 200,
  healingMsMax: 3_600_000,
  eventsMax: 200_000,
} as const;

/**
 * The blog post's recommended setup: QoS 2, a consumer with a fixed client id and
 * clean_session=False that subscribed before publishing starts, `persistence true`,
 * `autosave_interval 1800`, `max_inflight_messages 1`, `max_queued_messages 7200`,
 * paho-mqtt clients (the producer with paho's defaults: random id, clean session).
 */
const blog: Config = {
  qos: 2,
  topic: 'mytesttopic',
  broker: {
    profile: 'mosquitto-2.0',
    persistence: true,
    autosave_interval: 1800,
    autosave_on_changes: false,
    max_inflight_messages: 1,
    max_queued_messages: 7200,
    queue_qos0_messages: false,
    save_before_ack: false,
  },
  // resendMs is the outbox's and ignored by paho; it is here so that --set can name it.
  producer: { profile: 'paho', client_id: 'producer', clean_session: true, loopMs: 1, publish_mode: 'sequential', resendMs: 1000 },
  consumer: { profile: 'paho', client_id: 'testclient', clean_session: false, handlingMs: 5, loopMs: 1, e2e_ack: false },
  network: { latencyMsMin: 1, latencyMsMax: 5 },
  timing: harnessTiming,
};

/** The blog's clients against an untuned broker: Mosquitto 2.0's defaults (man mosquitto.conf). */
const mosquittoDefaults: Config = {
  ...blog,
  broker: {
    profile: 'mosquitto-2.0',
    persistence: false,
    autosave_interval: 1800,
    autosave_on_changes: false,
    max_inflight_messages: 20,
    max_queued_messages: 1000,
    queue_qos0_messages: false,
    save_before_ack: false,
  },
};

// The candidate answers to the blog's open question, "what would make delivery AND handling
// exactly-once with Mosquitto?" (DESIGN §1.5): each changes one part of the blog's setup, and
// the last two combine them, so that exploration compares them property by property.

/**
 * The nearest real Mosquitto gets to saving every change: the blog's setup with
 * `autosave_on_changes true` and `autosave_interval 1` (man mosquitto.conf: save after
 * autosave_interval changes). Mosquitto 2.0.11 counts only some changes in
 * db.persistence_changes (as the broker model does: a persistent client's connect, a subscribe,
 * a message put in a queue, an outgoing message acknowledged), not a message written straight
 * to a connected client nor an incoming QoS 2 message held until PUBREL; and it saves in its
 * main loop after the packets that made them, their answers already written.
 */
const mosquittoAutosaveEveryChange: Config = {
  ...blog,
  broker: { ...blog.broker, autosave_on_changes: true, autosave_interval: 1 },
};

/**
 * Candidate 1, a hypothetical ideal broker (not a Mosquitto setting; config.ts save_before_ack):
 * the blog's setup with a broker that writes its database before anything it does is
 * acknowledged or forwarded.
 */
const saveEveryChange: Config = {
  ...blog,
  broker: { ...blog.broker, save_before_ack: true },
};

/**
 * Candidate 2: the blog's setup with a consumer that acknowledges after handling and keeps a
 * durable dedup store committed with its side effect (models/consumer-dedup.ts).
 */
const dedupConsumer: Config = {
  ...blog,
  consumer: { ...blog.consumer, profile: 'dedup' },
};

/**
 * Candidate 3: the blog's setup with a producer that keeps a durable outbox and resends each
 * message until the consuming application acknowledges handling it end to end
 * (models/producer-outbox.ts, models/e2e-ack.ts); the consumer is still the blog's paho consumer,
 * which publishes that reply after handling. The producer keeps a clean session: its outbox, not
 * the broker, is the record of what is owed (producer-outbox.ts says why).
 */
const outboxE2e: Config = {
  ...blog,
  producer: { ...blog.producer, profile: 'outbox' },
  consumer: { ...blog.consumer, e2e_ack: true },
};

/** Candidates 3 and 2 together: outbox and end-to-end acknowledgement, consumer with a dedup store. */
const outboxE2eDedup: Config = {
  ...outboxE2e,
  consumer: { ...outboxE2e.consumer, profile: 'dedup' },
};

/** All three candidates: outbox-e2e+dedup against the ideal broker that saves before it acknowledges. */
const allThree: Config = {
  ...outboxE2eDedup,
  broker: { ...outboxE2eDedup.broker, save_before_ack: true },
};

export const presets: Readonly<Record<string, Config>> = {
  blog,
  'mosquitto-defaults': mosquittoDefaults,
  'mosquitto-autosave-every-change': mosquittoAutosaveEveryChange,
  'save-every-change': saveEveryChange,
  'dedup-consumer': dedupConsumer,
  'outbox-e2e': outboxE2e,
  'outbox-e2e+dedup': outboxE2eDedup,
  'all-three': allThree,
};

export function presetNames(): string[] {
  return Object.keys(presets);
}

export function getPreset(name: string): Result<Config> {
  const preset = presets[name];
  return preset ? ok(preset) : err(`unknown preset '${name}' (known: ${presetNames().join(', ')})`);
}

type Json = string | number | boolean | null | { readonly [key: string]: Json } | readonly Json[];

/** Allowed values of string-valued keys; a key not listed here takes any string. */
const enumerations: Readonly<Record<string, readonly (string | number)[]>> = {
  qos: [0, 1, 2],
  'producer.profile': producerProfiles,
  'consumer.profile': consumerProfiles,
  'broker.profile': brokerProfiles,
  'producer.publish_mode': ['sequential', 'scheduled'],
};

function parseValue(path: string, current: Json, text: string): Result<Json> {
  const allowed = enumerations[path];
  if (typeof current === 'boolean') {
    if (text === 'true') return ok(true);
    if (text === 'false') return ok(false);
    return err(`--set ${path}: expected true or false, got '${text}'`);
  }
  if (typeof current === 'number') {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) return err(`--set ${path}: expected a number, got '${text}'`);
    if (value < 0) return err(`--set ${path}: must not be negative, got ${value}`);
    if (allowed && !allowed.includes(value)) return err(`--set ${path}: expected one of ${allowed.join(', ')}, got ${value}`);
    return ok(value);
  }
  if (typeof current === 'string') {
    if (allowed && !allowed.includes(text)) return err(`--set ${path}: expected one of ${allowed.join(', ')}, got '${text}'`);
    return ok(text);
  }
  return err(`--set ${path}: names a section, not a setting`);
}

function setPath(target: Json, keys: readonly string[], path: string, text: string): Result<Json> {
  if (target === null || typeof target !== 'object' || Array.isArray(target)) {
    return err(`--set ${path}: unknown key`);
  }
  const record = target as { readonly [key: string]: Json };
  const [head, ...rest] = keys;
  if (head === undefined || !Object.hasOwn(record, head)) return err(`--set ${path}: unknown key`);
  const child = record[head] as Json;
  const updated = rest.length === 0 ? parseValue(path, child, text) : setPath(child, rest, path, text);
  return updated.ok ? ok({ ...record, [head]: updated.value }) : updated;
}

/** Checks that hold across keys; the single-key checks live in parseValue. */
export function validateConfig(config: Config): Result<Config> {
  const { network, timing, broker } = config;
  if (network.latencyMsMin > network.latencyMsMax) {
    return err(`network.latencyMsMin (${network.latencyMsMin}) exceeds network.latencyMsMax (${network.latencyMsMax})`);
  }
  for (const [path, value] of [
    ['broker.max_inflight_messages', broker.max_inflight_messages],
    ['broker.max_queued_messages', broker.max_queued_messages],
    ['timing.eventsMax', timing.eventsMax],
  ] as const) {
    if (!Number.isInteger(value)) return err(`${path} must be a whole number, got ${value}`);
  }
  if (timing.eventsMax < 1) return err(`timing.eventsMax must be at least 1`);
  if (config.consumer.client_id === config.producer.client_id) {
    return err(`producer.client_id and consumer.client_id must differ (both '${config.consumer.client_id}')`);
  }
  if (broker.save_before_ack === true && !broker.persistence) {
    return err(`broker.save_before_ack needs broker.persistence true: without persistence there is nothing to save`);
  }
  if (config.producer.profile === 'outbox') {
    // Without replies the outbox resends for ever and every run ends at timing.healingMsMax.
    if (!config.consumer.e2e_ack) return err(`producer.profile outbox needs consumer.e2e_ack true: only the consumer's reply acknowledges a message end to end`);
    if (config.producer.resendMs < 1) return err(`producer.resendMs must be at least 1 for producer.profile outbox, got ${config.producer.resendMs}`);
  }
  if (config.consumer.e2e_ack && topicMatches(config.topic, e2eAckTopic(config.topic))) {
    return err(`topic '${config.topic}' matches its own reply topic '${e2eAckTopic(config.topic)}': the consumer would receive its replies`);
  }
  return ok(config);
}

export type Overrides = Readonly<Record<string, string>>;

/** Parses `path=value` strings into an ordered record; a repeated path keeps the last value. */
export function parseOverrides(assignments: readonly string[]): Result<Overrides> {
  const overrides: Record<string, string> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) return err(`--set '${assignment}': expected path=value, e.g. broker.autosave_interval=1`);
    overrides[assignment.slice(0, at)] = assignment.slice(at + 1);
  }
  return ok(overrides);
}

export function applyOverrides(config: Config, overrides: Overrides): Result<Config> {
  let current: Json = config as unknown as Json;
  for (const [path, text] of Object.entries(overrides)) {
    const updated = setPath(current, path.split('.'), path, text);
    if (!updated.ok) return updated;
    current = updated.value;
  }
  return validateConfig(current as unknown as Config);
}

export function resolveConfig(presetName: string, overrides: Overrides): Result<Config> {
  const preset = getPreset(presetName);
  return preset.ok ? applyOverrides(preset.value, overrides) : preset;
}
