// Reads a user's mosquitto.conf into broker overrides, so `--config /etc/mosquitto/mosquitto.conf`
// explores the broker they actually run. Settings the model simulates become overrides; known
// settings it does not simulate are listed back (so nobody believes they were modelled); an
// unknown word is an error naming the line, as Mosquitto itself refuses it.
import { err, ok, type Result } from './result.ts';

/** mosquitto.conf settings the broker model simulates, with their value types (man mosquitto.conf, 2.0). */
const simulated: Readonly<Record<string, 'boolean' | 'count' | 'seconds'>> = {
  persistence: 'boolean',
  autosave_interval: 'seconds',
  autosave_on_changes: 'boolean',
  max_inflight_messages: 'count',
  max_queued_messages: 'count',
  queue_qos0_messages: 'boolean',
};

/** Settings Mosquitto 2.0 accepts that do not change delivery semantics in this model, or are not modelled yet. */
const notSimulated = new Set([
  'acl_file', 'allow_anonymous', 'allow_duplicate_messages', 'allow_zero_length_clientid', 'auth_plugin', 'auth_opt_',
  'auto_id_prefix', 'bind_address', 'bind_interface', 'cafile', 'capath', 'certfile', 'check_retain_source', 'ciphers',
  'ciphers_tls1.3', 'clientid_prefixes', 'connection_messages', 'crlfile', 'dhparamfile', 'http_dir', 'include_dir',
  'keyfile', 'listener', 'log_dest', 'log_facility', 'log_timestamp', 'log_timestamp_format', 'log_type',
  'max_connections', 'max_keepalive', 'max_packet_size', 'max_queued_bytes', 'max_inflight_bytes', 'memory_limit',
  'message_size_limit', 'mount_point', 'password_file', 'per_listener_settings', 'persistence_file',
  'persistence_location', 'persistent_client_expiration', 'pid_file', 'plugin', 'plugin_opt_', 'port', 'protocol',
  'psk_file', 'psk_hint', 'require_certificate', 'retain_available', 'set_tcp_nodelay', 'socket_domain', 'sys_interval',
  'tls_engine', 'tls_keyform', 'tls_version', 'upgrade_outgoing_qos', 'use_identity_as_username', 'use_subject_as_username',
  'use_username_as_clientid', 'user', 'websockets_log_level', 'websockets_headers_size', 'connection', 'address',
  'topic', 'bridge_protocol_version', 'cleansession', 'remote_clientid', 'remote_username', 'remote_password',
  'keepalive_interval', 'restart_timeout', 'try_private', 'notifications', 'start_type', 'round_robin',
]);

export interface ImportedConf {
  /** `broker.<setting>` → value text, ready for applyOverrides. */
  readonly overrides: Readonly<Record<string, string>>;
  /** Settings present in the file that the model does not simulate (line, name). */
  readonly ignored: readonly string[];
}

/** A file of an include_dir: its path (for messages) and its text. */
export interface IncludedFile {
  readonly path: string;
  readonly text: string;
}

/**
 * Reads the files of an include_dir (the shell's job: this module does no I/O). Every file
 * whose name ends in .conf, in any order; importMosquittoConf puts them in Mosquitto's.
 */
export type IncludeReader = (dir: string) => Result<readonly IncludedFile[]>;

function isNotSimulated(name: string): boolean {
  return notSimulated.has(name) || name.startsWith('auth_opt_') || name.startsWith('plugin_opt_');
}

function value(kind: 'boolean' | 'count' | 'seconds', text: string): string | undefined {
  if (kind === 'boolean') return text === 'true' || text === 'false' ? text : undefined;
  return /^\d+$/.test(text) ? text : undefined;
}

/**
 * The order Mosquitto loads an include_dir in (man mosquitto.conf, include_dir): case-sensitive
 * alphabetical, "with the upper case of each letter ordered before the lower case of the same
 * letter" — 00.conf, 01.conf, A.conf, a.conf, B.conf, b.conf.
 */
export function compareIncludeNames(a: string, b: string): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const x = a.charAt(i);
    const y = b.charAt(i);
    if (x === y) continue;
    const byLetter = x.toLowerCase() < y.toLowerCase() ? -1 : x.toLowerCase() > y.toLowerCase() ? 1 : 0;
    if (byLetter !== 0) return byLetter;
    return x === x.toUpperCase() ? -1 : 1;
  }
  return a.length - b.length;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * A line's words without a trailing comment. Mosquitto 2.0.11 reads a setting's value as the
 * next space-separated token and ignores what follows (conf.c, config__read_file_core with
 * conf__parse_bool / conf__parse_int), so `persistence true # on` is accepted, while
 * `persistence true#on` is refused as an invalid value (both checked on 2.0.11).
 */
function wordsOf(line: string): string[] {
  const words = line.split(/\s+/);
  const comment = words.findIndex((word) => word.startsWith('#'));
  return comment < 0 ? words : words.slice(0, comment);
}

interface Reading {
  readonly overrides: Record<string, string>;
  readonly ignored: string[];
}

function readLines(text: string, source: string, reading: Reading, includes: IncludeReader | undefined, main: boolean): Result<null> {
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name = '', ...rest] = wordsOf(line);
    const where = `${source}:${index + 1}`;
    const kind = simulated[name];
    if (kind !== undefined) {
      const setting = value(kind, rest.join(' '));
      if (setting === undefined || rest.length !== 1) {
        return err(`${where}: ${name} expects ${kind === 'boolean' ? 'true or false' : 'a whole number'}, got '${rest.join(' ')}'`);
      }
      reading.overrides[`broker.${name}`] = setting;
    } else if (name === 'include_dir' && main && includes !== undefined) {
      const included = readIncludeDir(rest.join(' '), where, reading, includes);
      if (!included.ok) return included;
    } else if (isNotSimulated(name)) {
      // An include_dir in an included file is not processed (man mosquitto.conf: "only
      // processed from the main configuration file").
      reading.ignored.push(`${where} ${name}`);
    } else {
      return err(`${where}: unknown mosquitto.conf setting '${name}'`);
    }
  }
  return ok(null);
}

function readIncludeDir(dir: string, where: string, reading: Reading, includes: IncludeReader): Result<null> {
  if (dir === '') return err(`${where}: include_dir expects a directory`);
  const files = includes(dir);
  if (!files.ok) return err(`${where}: include_dir ${dir}: ${files.error}`);
  const ordered = files.value.filter((file) => baseName(file.path).endsWith('.conf')).sort((a, b) => compareIncludeNames(baseName(a.path), baseName(b.path)));
  for (const file of ordered) {
    const read = readLines(file.text, file.path, reading, includes, false);
    if (!read.ok) return read;
  }
  return ok(null);
}

/**
 * A mosquitto.conf as broker overrides. `includes` follows include_dir as Mosquitto does (the
 * main file's only, files ending in .conf, in Mosquitto's order, a later setting winning);
 * without it an include_dir is listed as not followed.
 */
export function importMosquittoConf(text: string, source: string, includes?: IncludeReader): Result<ImportedConf> {
  const reading: Reading = { overrides: {}, ignored: [] };
  const read = readLines(text, source, reading, includes, true);
  return read.ok ? ok({ overrides: reading.overrides, ignored: reading.ignored }) : read;
}
