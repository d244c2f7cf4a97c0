// Words for a root cause: a title from its mechanism (effect and culprit faults) and a story of two
// sentences told from its shortest run — what the victim message had been through when the fault
// struck (who had acknowledged it, received it, handled it), and where it then vanished or doubled.
import { unreachable } from '../../models/assert.ts';
import type { HistoryEvent } from '../../models/history.ts';
import type { PropertyName } from '../../properties/types.ts';
import type { LogEntry } from '../sim/log.ts';
import type { ClassRun, RootCause } from '../explore/root-causes.ts';
import type { CulpritPhase, Signature } from '../explore/signature.ts';

export function effectOf(property: PropertyName): string {
  switch (property) {
    case 'no-loss-acked':
      return 'acknowledged message lost';
    case 'no-loss-invoked':
      return 'published message lost';
    case 'no-duplicate':
      return 'message handled twice';
    case 'order':
      return 'messages handled out of order';
    case 'exactly-once-delivery':
      return 'library receives a message other than once';
    default:
      return unreachable(property);
  }
}

function snapshotText(phase: CulpritPhase): string {
  if (!phase.published) return ' before the message was published';
  if (phase.inSnapshot === null) return '';
  return phase.inSnapshot ? ' (message in its snapshot)' : ' (message not in its snapshot)';
}

/** A culprit fault as a verb of the world. */
export function faultText(phase: CulpritPhase): string {
  switch (phase.kind) {
    case 'broker-kill':
      return `broker killed (kill -9)${snapshotText(phase)}`;
    case 'broker-restart':
      return `broker restarted (SIGTERM)${snapshotText(phase)}`;
    case 'consumer-crash':
      return `consumer crashes${phase.published ? '' : ' before the message was published'}`;
    case 'producer-crash':
      return `producer crashes${phase.published ? '' : ' before the message was published'}`;
    case 'connection-drop':
      return `${phase.label.replace(/^connection-drop\((.*)\)$/, '$1')}'s connection drops${phase.published ? '' : ' before the message was published'}`;
    default:
      return unreachable(phase.kind);
  }
}

/** "broker killed (kill -9) (message not in its snapshot)", "… twice", or the fault-free phase. */
export function mechanismText(signature: Signature): string {
  if (signature.culpritPhases.length === 0) return signature.phase === 'no fault' ? 'no fault needed' : signature.phase;
  const times = new Map<string, number>();
  for (const phase of signature.culpritPhases) times.set(faultText(phase), (times.get(faultText(phase)) ?? 0) + 1);
  return [...times.entries()].map(([text, n]) => (n === 1 ? text : `${text}, ${n === 2 ? 'twice' : `${n} times`}`)).join(' + ');
}

export function titleOf(cause: RootCause): string {
  return `${effectOf(cause.property)}: ${mechanismText(cause.signature)}`;
}

/** The victim's steps before the history entry `untilIndex`, in words: "the producer published m1 at 0 ms, …". */
function progressUntil(history: readonly HistoryEvent[], message: number, untilIndex: number): string[] {
  const parts: string[] = [];
  const before = history.slice(0, untilIndex);
  const first = (kind: HistoryEvent['kind']): HistoryEvent | undefined =>
    before.find((event) => event.kind === kind && 'message' in event && event.message === message);
  const invoked = first('publish-invoked');
  parts.push(invoked ? `the ${invoked.node} published m${message} at ${invoked.atMs} ms` : `m${message} had not been published`);
  const sent = first('publish-sent');
  if (sent) parts.push(`its library wrote it to the socket at ${sent.atMs} ms`);
  const delivered = first('delivered');
  if (delivered) parts.push(`the consumer's library received it at ${delivered.atMs} ms`);
  const started = first('handling-started');
  if (started) parts.push(`its application began handling it at ${started.atMs} ms`);
  const handled = first('handled');
  if (handled) parts.push(`finished handling it at ${handled.atMs} ms`);
  const acked = first('publish-acked');
  if (acked) parts.push(`the ${acked.node} saw it acknowledged at ${acked.atMs} ms`);
  return parts;
}

/** The history index of the first culprit's fault event (the history's end for a fault-free story). */
function strikeIndexOf(history: readonly HistoryEvent[], culprits: readonly CulpritPhase[]): number {
  const firstMs = Math.min(...culprits.map((phase) => phase.atMs));
  const index = history.findIndex((event) => event.kind === 'fault' && event.atMs === firstMs && culprits.some((phase) => phase.kind === event.fault));
  return index < 0 ? history.length : index;
}

function joinWords(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A culprit fault as a noun for the story: "a broker kill (kill -9)". */
function faultNoun(phase: CulpritPhase): string {
  switch (phase.kind) {
    case 'broker-kill':
      return 'a broker kill (kill -9)';
    case 'broker-restart':
      return 'a broker restart (SIGTERM)';
    case 'consumer-crash':
      return 'a consumer crash';
    case 'producer-crash':
      return 'a producer crash';
    case 'connection-drop':
      return `a drop of the ${phase.label.replace(/^connection-drop\((.*)\)$/, '$1')}'s connection`;
    default:
      return unreachable(phase.kind);
  }
}

/** "at 9 ms a broker kill (kill -9) struck, when the producer had seen PUBCOMP and the broker's snapshot did not hold m2". */
function strikeText(phase: CulpritPhase, message: number): string {
  const where = phase.step === 'before it was published' ? `before m${message} was published` : `when m${message}'s last step was "${phase.step}"`;
  const snapshot = phase.inSnapshot === null || !phase.published ? '' : ` and the broker's snapshot ${phase.inSnapshot ? 'held' : 'did not hold'} it`;
  return `at ${phase.atMs} ms ${faultNoun(phase)} struck ${where}${snapshot}`;
}

/** How each client found the broker when it next connected after `afterMs`: "the consumer reconnected to no session". */
function reconnections(log: readonly LogEntry[], afterMs: number): string[] {
  const seen = new Map<string, boolean>();
  for (const entry of log) {
    if (entry.atMs < afterMs || entry.kind !== 'packet' || entry.packet.cmd !== 'connack' || seen.has(entry.to)) continue;
    seen.set(entry.to, entry.packet.sessionPresent);
  }
  return [...seen.entries()].map(([node, present]) => `the ${node} reconnected ${present ? 'to its session' : 'to no session'}`);
}

/** Two sentences from a class's run: the victim's progress when the fault struck, then what became of it. */
export function storyOf(run: ClassRun): string {
  const { history, log } = run.replay.result;
  const { message } = run.violation;
  const culprits = run.signature.culpritPhases;
  const strikeIndex = strikeIndexOf(history, culprits);
  const strikeMs = history[strikeIndex]?.atMs ?? run.replay.result.stats.endMs;
  const before = joinWords(progressUntil(history, message, strikeIndex));
  const outcome = run.violation.summary.replace(/\bmessage (\d+)/g, 'm$1');
  if (culprits.length === 0) {
    // No fault: what the protocol did on its own is in the reconnections and the outcome.
    const reason = run.signature.phase === 'no fault' ? '' : ` (${run.signature.phase.replace(/^no fault: /, '')})`;
    const invokedMs = history.find((event) => event.kind === 'publish-invoked' && event.message === message)?.atMs ?? 0;
    return `In the shortest run, with no fault, ${before}${reason}. ${capitalised(joinWords([...reconnections(log ?? [], invokedMs), outcome]))}.`;
  }
  const first = `In the shortest run ${before}; then ${culprits.map((phase) => strikeText(phase, message)).join(', and ')}.`;
  return `${first} ${capitalised(joinWords([...reconnections(log ?? [], strikeMs), outcome]))}.`;
}
