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

function isNotSimulated(name: string): boolean {
  return notSimulated.has(name) || name.startsWith('auth_opt_') || name.startsWith('plugin_opt_');
}

function value(kind: 'boolean' | 'count' | 'seconds', text: string): string | undefined {
  if (kind === 'boolean') return text === 'true' || text === 'false' ? text : undefined;
  return /^\d+$/.test(text) ? text : undefined;
}

export function importMosquittoConf(text: string, source: string): Result<ImportedConf> {
  const overrides: Record<string, string> = {};
  const ignored: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name = '', ...rest] = line.split(/\s+/);
    const where = `${source}:${index + 1}`;
    const kind = simulated[name];
    if (kind !== undefined) {
      const setting = value(kind, rest.join(' '));
      if (setting === undefined || rest.length !== 1) {
        return err(`${where}: ${name} expects ${kind === 'boolean' ? 'true or false' : 'a whole number'}, got '${rest.join(' ')}'`);
      }
      overrides[`broker.${name}`] = setting;
    } else if (isNotSimulated(name)) {
      ignored.push(`${where} ${name}`);
    } else {
      return err(`${where}: unknown mosquitto.conf setting '${name}'`);
    }
  }
  return ok({ overrides, ignored });
}
