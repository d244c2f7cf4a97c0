import { describe, expect, it } from 'vitest';
import { importMosquittoConf } from './mosquitto-conf-import.ts';

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
});
