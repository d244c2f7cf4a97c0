// Reads a scenario from untrusted JSON (a trace file, a --scenario file), field by field.
import { faultKinds } from '../../models/history.ts';
import { allLinks, anchorEvents, producerNames, type Fault, type PublishSpec, type Scenario } from '../../models/scenario.ts';
import { array, fail, integer, object, oneOf } from './validate.ts';

function parseFault(value: unknown, path: string, messageCount: number): Fault {
  const record = object(value, path, { required: ['kind', 'when'], optional: ['link', 'producer'] });
  const kind = oneOf(record['kind'], `${path}.kind`, faultKinds);
  const whenRecord = object(record['when'], `${path}.when`, { required: ['kind'], optional: ['atMs', 'event', 'message', 'delayMs'] });
  const whenKind = oneOf(whenRecord['kind'], `${path}.when.kind`, ['time', 'event'] as const);
  const when =
    whenKind === 'time'
      ? { kind: whenKind, atMs: integer(whenRecord['atMs'], `${path}.when.atMs`) }
      : {
          kind: whenKind,
          event: oneOf(whenRecord['event'], `${path}.when.event`, anchorEvents),
          message: integer(whenRecord['message'], `${path}.when.message`, 1, Math.max(1, messageCount)),
          delayMs: integer(whenRecord['delayMs'], `${path}.when.delayMs`),
        };
  if (record['producer'] !== undefined && kind !== 'producer-crash') fail(`${path}.producer`, `no producer for ${kind}`, record['producer']);
  if (kind === 'connection-drop') {
    return { kind, link: oneOf(record['link'], `${path}.link`, allLinks), when };
  }
  if (record['link'] !== undefined) fail(`${path}.link`, `no link for ${kind}`, record['link']);
  // Which producer crashes: absent means the first, so a one-producer scenario reads as before.
  if (kind === 'producer-crash' && record['producer'] !== undefined) return { kind, producer: oneOf(record['producer'], `${path}.producer`, producerNames), when };
  return { kind, when };
}

export function parseScenario(value: unknown, path: string): Scenario {
  const record = object(value, path, { required: ['messages', 'offline', 'faults'] });
  const messages = array(record['messages'], `${path}.messages`).map((entry, index): PublishSpec => {
    const at = `${path}.messages[${index}]`;
    const message = object(entry, at, { required: ['atMs'], optional: ['qos', 'by'] });
    const atMs = integer(message['atMs'], `${at}.atMs`);
    // Optional fields stay absent when absent, so a scenario reads back exactly as it was written.
    return {
      atMs,
      ...(message['qos'] === undefined ? {} : { qos: oneOf(message['qos'], `${at}.qos`, [0, 1, 2] as const) }),
      ...(message['by'] === undefined ? {} : { by: oneOf(message['by'], `${at}.by`, producerNames) }),
    };
  });
  const offline = array(record['offline'], `${path}.offline`).map((entry, index) => {
    const at = `${path}.offline[${index}]`;
    const period = object(entry, at, { required: ['fromMs', 'toMs'] });
    const fromMs = integer(period['fromMs'], `${at}.fromMs`);
    return { fromMs, toMs: integer(period['toMs'], `${at}.toMs`, fromMs + 1) };
  });
  const faults = array(record['faults'], `${path}.faults`).map((entry, index) =>
    parseFault(entry, `${path}.faults[${index}]`, messages.length),
  );
  return { messages, offline, faults };
}
