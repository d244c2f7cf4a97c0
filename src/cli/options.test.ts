// --config FILE: the broker a mosquitto.conf describes, on Mosquitto 2.0's defaults.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presets } from '../../models/presets.ts';
import { configFrom } from './options.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mqtt-dst-options-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Debian's default mosquitto.conf laid out as installed, its include_dir pointing into the scratch dir. */
function debianLayout(extra: Readonly<Record<string, string>> = {}): string {
  const root = mkdtempSync(join(scratch, 'etc-'));
  const confD = join(root, 'conf.d');
  mkdirSync(confD);
  writeFileSync(join(confD, 'README'), 'Any files placed in this directory that have a .conf ending will be loaded as config files by the broker.\n');
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(confD, name), text);
  const conf = readFileSync(new URL('../../models/fixtures/debian-mosquitto.conf', import.meta.url), 'utf8').replace('include_dir /etc/mosquitto/conf.d', `include_dir ${confD}`);
  const file = join(root, 'mosquitto.conf');
  writeFileSync(file, conf);
  return file;
}

describe('--config FILE', () => {
  it("simulates Debian's default mosquitto.conf as Mosquitto 2.0's defaults with persistence on, not the blog's tuning", () => {
    const resolved = configFrom(undefined, undefined, debianLayout());
    const defaults = presets['mosquitto-defaults'];
    if (defaults === undefined) throw new Error('no mosquitto-defaults preset');
    expect(resolved.preset).toBe('mosquitto-defaults');
    expect(resolved.overrides).toEqual({ 'broker.persistence': 'true' });
    expect(resolved.config).toEqual({ ...defaults, broker: { ...defaults.broker, persistence: true } });
    // Mosquitto 2.0's defaults (man mosquitto.conf), where the blog preset has 1 and 7200.
    expect(resolved.config.broker.max_inflight_messages).toBe(20);
    expect(resolved.config.broker.max_queued_messages).toBe(1000);
    expect(resolved.config.broker.autosave_interval).toBe(1800);
  });

  it('follows its include_dir, and --set still has the last word', () => {
    const file = debianLayout({ 'local.conf': 'autosave_interval 60 # every minute\nmax_inflight_messages 1\n' });
    const resolved = configFrom(undefined, ['broker.max_inflight_messages=2'], file);
    expect(resolved.overrides).toEqual({ 'broker.persistence': 'true', 'broker.autosave_interval': '60', 'broker.max_inflight_messages': '2' });
    expect(resolved.config.broker.autosave_interval).toBe(60);
    expect(resolved.config.broker.max_inflight_messages).toBe(2);
  });
});
