// Every saved trace is a regression test: it must replay byte for byte (same event log, same
// violations) and still show the counterexample class it was saved for.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { butForPicker } from '../explore/culprit.ts';
import { exhaustiveButForOfChoices } from '../check/exhaustive-culprit.ts';
import { signaturesOf } from '../explore/signature.ts';
import { replayTrace } from './record.ts';
import { loadTrace } from './store.ts';

const tracesDir = fileURLToPath(new URL('../../traces/', import.meta.url));

function traceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return traceFiles(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

const files = traceFiles(tracesDir);

describe('saved traces', () => {
  it('there are saved traces to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [relative(tracesDir, file), file]))('%s replays and still shows its class', (_name, file) => {
    const trace = loadTrace(file);
    if (!trace.ok) throw new Error(trace.error);
    const replay = replayTrace(trace.value);
    if (!replay.ok) throw new Error(replay.error);
    expect(replay.value.divergences).toEqual([]);
    if (trace.value.signature !== null) {
      const { result, violations, config } = replay.value;
      const explored = { scenario: trace.value.scenario, seed: trace.value.seed };
      // A trace of check --exhaustive has its faults in its path: its but-for runs follow the path.
      const picker =
        trace.value.mode === 'exhaustive'
          ? exhaustiveButForOfChoices(config, trace.value.scenario, trace.value.choices)
          : butForPicker(config, explored);
      const shown = signaturesOf(violations, result.history, result.faults, picker).map((s) => s.text);
      expect(shown).toContain(trace.value.signature);
    }
  });
});
