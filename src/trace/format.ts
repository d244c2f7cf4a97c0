// The trace file: versioned JSON holding everything a replay needs (preset, overrides,
// scenario, seed, every choice) and what the run must reproduce (event-log digest, outcome).
import { err, type Result } from '../../models/result.ts';
import type { Scenario } from '../../models/scenario.ts';
import { propertyNames } from '../../properties/index.ts';
import type { PropertyName } from '../../properties/types.ts';
import type { RunEnd } from '../sim/log.ts';
import { parseScenario } from './scenario-json.ts';
import { array, fail, integer, object, oneOf, string, stringRecord, validated } from './validate.ts';

export const traceFormat = 'mqtt-dst-trace';
export const traceVersion = 1;

export interface RecordedViolation {
  readonly property: PropertyName;
  readonly message: number;
  readonly consumer: string;
  readonly summary: string;
}

export interface TraceOutcome {
  readonly end: RunEnd;
  readonly events: number;
  readonly endMs: number;
  /** sha256 of the event log, one JSON entry per line. */
  readonly logDigest: string;
  readonly violations: readonly RecordedViolation[];
}

/**
 * How the run was driven. Absent: timed (exploration; every existing trace). 'exhaustive': the
 * bounded model checker's world (src/sim/exhaustive-world.ts), where every step is a choice and
 * the faults are steps of the path, not items of the scenario. An optional field, so version 1
 * traces read and replay exactly as before.
 */
export type TraceMode = 'exhaustive';
export const traceModes: readonly TraceMode[] = ['exhaustive'];

export interface Trace {
  readonly format: typeof traceFormat;
  readonly version: typeof traceVersion;
  readonly mode?: TraceMode;
  readonly preset: string;
  readonly overrides: Readonly<Record<string, string>>;
  /** The counterexample class this trace is the minimal example of, if any. */
  readonly signature: string | null;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly choices: readonly number[];
  readonly outcome: TraceOutcome;
}

const runEnds: readonly RunEnd[] = ['quiescent', 'events-max', 'healing-ms-max'];

function parseOutcome(value: unknown, path: string): TraceOutcome {
  const record = object(value, path, { required: ['end', 'events', 'endMs', 'logDigest', 'violations'] });
  const digest = string(record['logDigest'], `${path}.logDigest`);
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) fail(`${path}.logDigest`, 'sha256: and 64 hex digits', digest);
  return {
    end: oneOf(record['end'], `${path}.end`, runEnds),
    events: integer(record['events'], `${path}.events`),
    endMs: integer(record['endMs'], `${path}.endMs`),
    logDigest: digest,
    violations: array(record['violations'], `${path}.violations`).map((entry, index) => {
      const at = `${path}.violations[${index}]`;
      const violation = object(entry, at, { required: ['property', 'message', 'consumer', 'summary'] });
      return {
        property: oneOf(violation['property'], `${at}.property`, propertyNames),
        message: integer(violation['message'], `${at}.message`, 1),
        consumer: string(violation['consumer'], `${at}.consumer`),
        summary: string(violation['summary'], `${at}.summary`),
      };
    }),
  };
}

/** Validates every field of a parsed trace; the error names the source and the bad field. */
export function parseTrace(value: unknown, source: string): Result<Trace> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (record['format'] !== traceFormat) return err(`${source}: not an mqtt-dst trace (format is ${JSON.stringify(record['format'])})`);
    if (record['version'] !== traceVersion) {
      return err(`${source}: unknown trace format version ${JSON.stringify(record['version'])} (this mqtt-dst reads version ${traceVersion})`);
    }
  }
  return validated(source, () => {
    const record = object(value, 'trace', {
      required: ['format', 'version', 'preset', 'overrides', 'signature', 'scenario', 'seed', 'choices', 'outcome'],
      optional: ['mode'],
    });
    const signature = record['signature'] === null ? null : string(record['signature'], 'trace.signature');
    const mode = record['mode'] === undefined ? {} : { mode: oneOf(record['mode'], 'trace.mode', traceModes) };
    const scenario = parseScenario(record['scenario'], 'trace.scenario');
    if (mode.mode === 'exhaustive' && (scenario.faults.length > 0 || scenario.offline.length > 0)) {
      fail('trace.scenario', 'messages only in an exhaustive trace (its faults are steps of the path)', 'faults or offline periods');
    }
    return {
      format: traceFormat,
      version: traceVersion,
      ...mode,
      preset: string(record['preset'], 'trace.preset'),
      overrides: stringRecord(record['overrides'], 'trace.overrides'),
      signature,
      scenario,
      seed: integer(record['seed'], 'trace.seed'),
      choices: array(record['choices'], 'trace.choices').map((choice, index) => integer(choice, `trace.choices[${index}]`)),
      outcome: parseOutcome(record['outcome'], 'trace.outcome'),
    };
  });
}
