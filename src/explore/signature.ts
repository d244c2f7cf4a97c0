// Counterexamples are grouped into classes by a signature that tells the story in one line:
// the violated property, the fault that struck the victim message, and the protocol step that
// message had reached when it struck (plus, for broker faults, whether the snapshot held it).
// Two runs in one class are the same story told with different numbers.
import { faultKinds, type FaultKind, type History } from '../../models/history.ts';
import type { Violation } from '../../properties/types.ts';
import type { FaultRecord } from '../sim/world.ts';

/** One culprit fault of a story and where it found the victim message. */
export interface CulpritPhase {
  readonly kind: FaultKind;
  /** The fault as the signature names it: its kind, and for a connection drop the link. */
  readonly label: string;
  /** The victim's last protocol step when the fault struck ("broker got PUBREC", "before it was published"). */
  readonly step: string;
  /** Whether the victim existed when the fault struck; a fault before its publish destroyed something else it needed (a session). */
  readonly published: boolean;
  /** For a broker fault, whether the broker's snapshot held the victim; null for every other fault. */
  readonly inSnapshot: boolean | null;
  /** When it struck (virtual time), for the story a report tells. */
  readonly atMs: number;
}

export interface Signature {
  readonly text: string;
  readonly property: Violation['property'];
  /** The fault kinds that struck during the run, in order, deduplicated. */
  readonly faults: readonly string[];
  /** How many faults the story needs (0 for a fault-free one). */
  readonly culprits: number;
  /** The culprit faults and the victim's phase at each, e.g. "broker-kill: producer got PUBCOMP, not in snapshot". */
  readonly phase: string;
  /** The culprits as data, in the order the phase names them (what root causes group by). */
  readonly culpritPhases: readonly CulpritPhase[];
}

/**
 * The instant by which the violation was decided. An absence (a loss, a message never
 * delivered) is decided only at the end of the run; an excess (a second handling or delivery,
 * an overtaking) at its last piece of evidence.
 */
function decisiveMs(violation: Violation, history: History): number {
  if (violation.property === 'no-loss-acked' || violation.property === 'no-loss-invoked') return Infinity;
  if (violation.property === 'exactly-once-delivery') {
    const delivered = history.some((event) => event.kind === 'delivered' && event.message === violation.message && event.node === violation.consumer);
    if (!delivered) return Infinity;
  }
  let latestMs = -Infinity;
  for (const index of violation.evidence) latestMs = Math.max(latestMs, history[index]?.atMs ?? -Infinity);
  return latestMs;
}

/**
 * Faults that struck before the violation was decided, in order. A fault before the victim was
 * even published counts too: a broker kill can destroy the session the message will need.
 */
export function suspects(violation: Violation, history: History, faults: readonly FaultRecord[]): FaultRecord[] {
  const untilMs = decisiveMs(violation, history);
  return faults.filter((fault) => fault.atMs <= untilMs);
}

/**
 * Decides which suspects caused a violation: the explorer passes a but-for test (re-run without
 * the fault, see explore/culprit.ts); several faults can each be necessary to one story.
 */
export type CulpritPicker = (violation: Violation, suspects: readonly FaultRecord[]) => readonly FaultRecord[];

export const lastSuspect: CulpritPicker = (_violation, candidates) => candidates.slice(-1);

function faultLabel(fault: FaultRecord): string {
  if (fault.kind === 'connection-drop') return `connection-drop(${fault.target})`;
  // With two producers, which one crashed is part of the story; the first's crash keeps its old name.
  return fault.kind === 'producer-crash' && fault.target !== 'producer' ? `producer-crash(${fault.target})` : fault.kind;
}

/** Where a fault found the victim message: its last step and, for broker faults, the snapshot. */
function culpritPhase(fault: FaultRecord, violation: Violation): CulpritPhase {
  const victim = fault.phases.find((entry) => entry.message === violation.message);
  const brokerFault = fault.kind === 'broker-kill' || fault.kind === 'broker-restart';
  return {
    kind: fault.kind,
    label: faultLabel(fault),
    step: victim?.step ?? 'before it was published',
    published: victim !== undefined,
    inSnapshot: brokerFault ? victim?.inSnapshot === true : null,
    atMs: fault.atMs,
  };
}

/** "broker-kill: producer got PUBCOMP, not in snapshot": the fault and where it found the victim. */
function phaseText(phase: CulpritPhase): string {
  const snapshot = phase.inSnapshot === null ? '' : phase.inSnapshot ? ', in snapshot' : ', not in snapshot';
  return `${phase.label}: ${phase.step}${snapshot}`;
}

function faultFreePhase(violation: Violation, history: History): string {
  const dropped = history.find((event) => event.kind === 'message-dropped' && event.message === violation.message);
  if (dropped?.kind === 'message-dropped') return `no fault: broker dropped it (${dropped.reason})`;
  return 'no fault';
}

export function signatureOf(
  violation: Violation,
  history: History,
  faults: readonly FaultRecord[],
  pick: CulpritPicker = lastSuspect,
): Signature {
  const struck = [...new Set(faults.map(faultLabel))];
  const culprits = pick(violation, suspects(violation, history, faults));
  // One story whichever fault struck first: the culprits in a fixed order of kinds, then phases.
  const ranked = culprits
    .map((fault) => {
      const culprit = culpritPhase(fault, violation);
      return { rank: faultKinds.indexOf(fault.kind), culprit, text: phaseText(culprit) };
    })
    .sort((a, b) => a.rank - b.rank || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const distinct = ranked.filter((entry, index) => index === 0 || ranked[index - 1]?.text !== entry.text);
  const phase = distinct.length === 0 ? faultFreePhase(violation, history) : distinct.map((entry) => entry.text).join(' + ');
  return {
    text: `${violation.property} / ${phase}`,
    property: violation.property,
    faults: struck,
    phase,
    culprits: ranked.length,
    culpritPhases: distinct.map((entry) => entry.culprit),
  };
}

/** The distinct signatures of a run, in the order of its violations. */
export function signaturesOf(
  violations: readonly Violation[],
  history: History,
  faults: readonly FaultRecord[],
  pick: CulpritPicker = lastSuspect,
): Signature[] {
  const seen = new Map<string, Signature>();
  for (const violation of violations) {
    const signature = signatureOf(violation, history, faults, pick);
    if (!seen.has(signature.text)) seen.set(signature.text, signature);
  }
  return [...seen.values()];
}

/** A file-name-safe id for a class. */
export function slugOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
