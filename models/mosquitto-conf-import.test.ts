import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareIncludeNames, importMosquittoConf, type IncludeReader } from './mosquitto-conf-import.ts';
import { err, ok } from './result.ts';

/** Debian's /etc/mosquitto/mosquitto.conf as the mosquitto 2.0.11 package installs it. */
const debianConf = readFileSync(new URL('./fixtures/debian-mosquitto.conf', import.meta.url), 'utf8');

/** An include_dir reader over a fixed tree. */
function tree(dirs: Readonly<Record<string, Readonly<Record<string, string>>>>): IncludeReader {
  return (dir) => {
    const files = dirs[dir];
    return files === undefined ? err('no such directory') : ok(Object.entries(files).map(([name, text]) => ({ path: `${dir}/${name}`, text })));
  };
}

describe('mosquitto.conf import', () => {
  it('turns simulated settings into broker overrides and lists the rest', () => {
    const conf = ['# the blog setup', 'listener 1883', 'persistence true', 'persistence_location /var/lib/mosquitto/', 'autosave_interval 60', 'max_inflight_messages 1', '', 'max_queued_messages 7200'].join('\n');
    const imported = importMosquittoConf(conf, 'm.conf');
    expect(imported).toEqual({
      ok: true,
      value: {
        overrides: {
          'broker.persistence': 'true',
          'broker.autosave_interval': '60',
          'broker.max_inflight_messages': '1',
          'broker.max_queued_messages': '7200',
        },
        ignored: ['m.conf:2 listener', 'm.conf:4 persistence_location'],
      },
    });
  });

  it.each([
    ['persistance true', /m\.conf:1: unknown mosquitto\.conf setting 'persistance'/],
    ['autosave_interval -5', /m\.conf:1: autosave_interval expects a whole number, got '-5'/],
    ['persistence yes', /m\.conf:1: persistence expects true or false/],
  ])('rejects %s naming the line', (line, message) => {
    const imported = importMosquittoConf(line, 'm.conf');
    expect(imported.ok).toBe(false);
    if (!imported.ok) expect(imported.error).toMatch(message);
  });

  it("reads Debian's default file: persistence on, every other setting left to Mosquitto's defaults", () => {
    // Debian's conf.d holds only a README: nothing ending in .conf.
    const imported = importMosquittoConf(debianConf, 'mosquitto.conf', tree({ '/etc/mosquitto/conf.d': { README: 'persistence false' } }));
    expect(imported).toEqual({
      ok: true,
      value: {
        overrides: { 'broker.persistence': 'true' },
        ignored: ['mosquitto.conf:6 pid_file', 'mosquitto.conf:9 persistence_location', 'mosquitto.conf:11 log_dest'],
      },
    });
  });

  it("follows include_dir in Mosquitto's order, a later file's setting winning", () => {
    const includes = tree({
      '/conf.d': { 'b.conf': 'autosave_interval 20', 'A.conf': 'autosave_interval 5\nmax_queued_messages 10', 'a.conf': 'autosave_interval 10', 'notes.txt': 'bogus words' },
    });
    const imported = importMosquittoConf('persistence true\ninclude_dir /conf.d\n', 'main.conf', includes);
    expect(imported).toEqual({ ok: true, value: { overrides: { 'broker.persistence': 'true', 'broker.autosave_interval': '20', 'broker.max_queued_messages': '10' }, ignored: [] } });
    const broken = importMosquittoConf('include_dir /conf.d', 'main.conf', tree({ '/conf.d': { 'x.conf': '\npersistance true' } }));
    expect(broken).toEqual({ ok: false, error: "/conf.d/x.conf:2: unknown mosquitto.conf setting 'persistance'" });
    expect(importMosquittoConf('include_dir /nowhere', 'main.conf', includes)).toEqual({ ok: false, error: 'main.conf:1: include_dir /nowhere: no such directory' });
  });

  it("orders include_dir files as man mosquitto.conf's example does", () => {
    expect(['b.conf', 'A.conf', '01.conf', 'a.conf', 'B.conf', '00.conf'].sort(compareIncludeNames)).toEqual(['00.conf', '01.conf', 'A.conf', 'a.conf', 'B.conf', 'b.conf']);
  });

  it('accepts a trailing # comment as Mosquitto does, and refuses a value glued to one', () => {
    expect(importMosquittoConf('max_inflight_messages 5 # five at a time', 'm.conf')).toEqual({ ok: true, value: { overrides: { 'broker.max_inflight_messages': '5' }, ignored: [] } });
    const glued = importMosquittoConf('persistence true#on', 'm.conf');
    expect(glued).toEqual({ ok: false, error: "m.conf:1: persistence expects true or false, got 'true#on'" });
  });
});
