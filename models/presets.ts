// Named configurations, and `--set path=value` overrides applied to them with validation.
import type { Config } from './config.ts';
import { consumerProfiles, producerProfiles } from './config.ts';
import { err, ok, type Result } from './result.ts';

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
    persistence: true,
    autosave_interval: 1800,
    autosave_on_changes: false,
    max_inflight_messages: 1,
    max_queued_messages: 7200,
    queue_qos0_messages: false,
  },
  producer: { profile: 'paho', client_id: 'producer', clean_session: true, loopMs: 1, publish_mode: 'sequential' },
  consumer: { profile: 'paho', client_id: 'testclient', clean_session: false, handlingMs: 5, loopMs: 1 },
  network: { latencyMsMin: 1, latencyMsMax: 5 },
  timing: harnessTiming,
};

/** The blog's clients against an untuned broker: Mosquitto 2.0's defaults (man mosquitto.conf). */
const mosquittoDefaults: Config = {
  ...blog,
  broker: {
    persistence: false,
    autosave_interval: 1800,
    autosave_on_changes: false,
    max_inflight_messages: 20,
    max_queued_messages: 1000,
    queue_qos0_messages: false,
  },
};

export const presets: Readonly<Record<string, Config>> = {
  blog,
  'mosquitto-defaults': mosquittoDefaults,
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
