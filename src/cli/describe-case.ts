// One-line summaries of a scenario, for reports.
import { unreachable } from '../../models/assert.ts';
import type { Fault, Scenario } from '../../models/scenario.ts';

export function describeFault(fault: Fault): string {
  const what =
    fault.kind === 'connection-drop' ? `connection-drop(${fault.link ?? '?'})` : fault.producer === undefined ? fault.kind : `${fault.kind}(${fault.producer})`;
  const when = fault.when;
  switch (when.kind) {
    case 'time':
      return `${what} at ${when.atMs} ms`;
    case 'event':
      return `${what} ${when.delayMs} ms after ${when.event} of m${when.message}`;
    default:
      return unreachable(when);
  }
}

export function describeScenario(scenario: Scenario): string {
  const parts = [`${scenario.messages.length} message${scenario.messages.length === 1 ? '' : 's'}`];
  if (scenario.messages.some((message) => message.qos !== undefined)) {
    parts[0] += ` (QoS ${scenario.messages.map((message) => message.qos ?? '-').join(' ')})`;
  }
  if (scenario.messages.some((message) => message.by !== undefined)) {
    parts[0] += ` (by ${scenario.messages.map((message) => message.by ?? 'producer').join(' ')})`;
  }
  if (scenario.offline.length > 0) {
    parts.push(`consumer offline ${scenario.offline.map((period) => `${period.fromMs}-${period.toMs} ms`).join(', ')}`);
  }
  parts.push(scenario.faults.length === 0 ? 'no faults' : `faults: ${scenario.faults.map(describeFault).join('; ')}`);
  return parts.join(', ');
}
