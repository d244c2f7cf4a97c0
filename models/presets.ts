// Named configurations, and `--set path=value` overrides applied to them with validation.
import type { Config, ProducerConfig } from './config.ts';
import { brokerProfiles, consumerProfiles, producerProfiles } from './config.ts';
import { err, ok, type Result } from './result.ts';

const harnessTiming = {
  reconnectDelayMs: 100,
  restartDelayMs: 200,
  healingMsMax: 3_600_000,
  eventsMax: 200_000,
} as const;

const blogProducer: ProducerConfig = { profile: 'paho', client_id: 'producer', clean_session: true, loopMs: 1, publish_mode: 'sequential', resendMs: 1000 };

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
  producer: blogProducer,
  // A second producer only when asked for (--set producers=2): the blog's producer under its own id.
  producers: 1,
  producer2: { ...blogProducer, client_id: 'producer2' },
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
  producer2: { ...blog.producer2, profile: 'outbox' },
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
  producers: [1, 2],
  'producer2.profile': producerProfiles,
  'producer2.publish_mode': ['sequential', 'scheduled'],
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

/** Virtual milliseconds a setting may name: about 11.6 days, far beyond any run's healing bound. */
const msMax = 1_000_000_000;

/** Every numeric setting with its range; all are whole numbers (milliseconds, seconds, counts). */
function numericSettings(config: Config): readonly (readonly [path: string, value: number, min: number, max: number])[] {
  const { broker, producer, consumer, network, timing } = config;
  return [
    // Mosquitto's autosave_interval is seconds; a year is beyond any run.
    ['broker.autosave_interval', broker.autosave_interval, 0, 31_536_000],
    // Packet identifiers are 16 bits (MQTT 3.1.1 §2.3.1): no window can be wider.
    ['broker.max_inflight_messages', broker.max_inflight_messages, 0, 65_535],
    ['broker.max_queued_messages', broker.max_queued_messages, 0, 100_000_000],
    ['producer.loopMs', producer.loopMs, 0, msMax],
    ['producer.resendMs', producer.resendMs, 0, msMax],
    ['producer2.loopMs', config.producer2.loopMs, 0, msMax],
    ['producer2.resendMs', config.producer2.resendMs, 0, msMax],
    ['consumer.handlingMs', consumer.handlingMs, 0, msMax],
    ['consumer.loopMs', consumer.loopMs, 0, msMax],
    ['network.latencyMsMin', network.latencyMsMin, 0, msMax],
    ['network.latencyMsMax', network.latencyMsMax, 0, msMax],
    ['timing.reconnectDelayMs', timing.reconnectDelayMs, 0, msMax],
    ['timing.restartDelayMs', timing.restartDelayMs, 0, msMax],
    ['timing.healingMsMax', timing.healingMsMax, 1, msMax],
    ['timing.eventsMax', timing.eventsMax, 1, 100_000_000],
  ];
}

/**
 * A PUBLISH topic name: not empty [MQTT-4.7.3-1], no wildcard '+' or '#' [MQTT-3.3.2-2], no
 * U+0000 [MQTT-4.7.3-2], at most 65,535 bytes of UTF-8 [MQTT-4.7.3-3]. A broker refuses
 * anything else (Mosquitto: handle__publish, mosquitto_pub_topic_check), so a run would only
 * ever hit its cap.
 */
export function topicNameProblem(topic: string): string | undefined {
  if (topic === '') return 'is empty (a topic name has at least one character, MQTT-4.7.3-1)';
  if (/[+#]/.test(topic)) return `'${topic}' has a wildcard (+ or #), which a PUBLISH topic must not have (MQTT-3.3.2-2)`;
  if (topic.includes('\u0000')) return 'contains U+0000 (MQTT-4.7.3-2)';
  if (Buffer.byteLength(topic, 'utf8') > 65_535) return 'is longer than 65,535 bytes (MQTT-4.7.3-3)';
  return undefined;
}

/** The producer sections a configuration runs, by their --set path. */
function producerSections(config: Config): readonly (readonly [path: string, producer: ProducerConfig])[] {
  return config.producers === 2 ? [['producer', config.producer], ['producer2', config.producer2]] : [['producer', config.producer]];
}

/** The client ids of the clients a configuration runs, by their --set path, the consumer's last. */
function clientsOf(config: Config): readonly (readonly [path: string, id: string])[] {
  return [...producerSections(config).map(([path, producer]) => [`${path}.client_id`, producer.client_id] as const), ['consumer.client_id', config.consumer.client_id]];
}

/** Checks that hold across keys, and ranges; the single-key syntax checks live in parseValue. */
export function validateConfig(config: Config): Result<Config> {
  const { network, broker } = config;
  for (const [path, value, min, max] of numericSettings(config)) {
    if (!Number.isInteger(value)) return err(`${path} must be a whole number, got ${value}`);
    if (value < min || value > max) return err(`${path} must be between ${min} and ${max.toLocaleString('en-US')}, got ${value}`);
  }
  if (network.latencyMsMin > network.latencyMsMax) {
    return err(`network.latencyMsMin (${network.latencyMsMin}) exceeds network.latencyMsMax (${network.latencyMsMax})`);
  }
  const topicProblem = topicNameProblem(config.topic);
  if (topicProblem !== undefined) return err(`topic ${topicProblem}`);
  const clients = clientsOf(config);
  for (const [path, id] of clients) {
    // Sessions are told apart by client id (MQTT 3.1.1 §3.1.3.1); an empty one has no session to keep.
    if (id === '' || id.includes('\u0000')) return err(`${path} must be a non-empty client id without U+0000, got '${id}'`);
  }
  for (const [at, [path, id]] of clients.entries()) {
    const same = clients.slice(at + 1).find(([, other]) => other === id);
    // Two live clients under one id take each other's session over (MQTT-3.1.4-2): not two clients.
    if (same !== undefined) return err(`${path} and ${same[0]} must differ (both '${id}')`);
  }
  if (broker.save_before_ack === true && !broker.persistence) {
    return err(`broker.save_before_ack needs broker.persistence true: without persistence there is nothing to save`);
  }
  for (const [path, producer] of producerSections(config)) {
    if (producer.profile !== 'outbox') continue;
    // Without replies the outbox resends for ever and every run ends at timing.healingMsMax.
    if (!config.consumer.e2e_ack) return err(`${path}.profile outbox needs consumer.e2e_ack true: only the consumer's reply acknowledges a message end to end`);
    if (producer.resendMs < 1) return err(`${path}.resendMs must be at least 1 for ${path}.profile outbox, got ${producer.resendMs}`);
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
