// Root causes: the classes of a search grouped by the mechanism that explains them, worst first.
// Nothing here knows a class by name; everything is read off each class's own shortest (or
// minimal) run, replayed from its trace:
//  - implication: a class whose signature shows on the run of a worse class, for that class's
//    victim message, is the same story seen through a weaker property (an acknowledged loss is
//    also an invoked loss and a message the library never received); it is shown under the worse
//    class, not beside it;
//  - mechanism: the classes left are grouped by their effect (the violated property) and their
//    culprit faults with, for broker faults, whether the snapshot held the victim. The protocol
//    step the victim had reached is not part of it: a broker killed with the message outside its
//    snapshot loses it whether the producer had seen PUBREC or PUBCOMP, one mechanism met at
//    several steps (the steps are listed beneath it).
import type { Config } from '../../models/config.ts';
import type { PropertyName, Violation } from '../../properties/types.ts';
import type { Trace } from '../trace/format.ts';
import { replayTrace, type Replay } from '../trace/record.ts';
import { butForPicker } from './culprit.ts';
import { exhaustiveButForOfChoices } from '../check/exhaustive-culprit.ts';
import { signatureOf, slugOf, type CulpritPicker, type Signature } from './signature.ts';

/** Worst first: acknowledged loss, invoked loss, duplicate handling, order, library level. */
export const severityOrder: readonly PropertyName[] = ['no-loss-acked', 'no-loss-invoked', 'no-duplicate', 'order', 'exactly-once-delivery'];

export function severityOf(property: PropertyName): number {
  return severityOrder.indexOf(property);
}

/** A class as a command found it: its signature, how often it showed, and its shortest or minimal run. */
export interface ReportedClass {
  readonly id: string;
  /** Its signature's text; its property and culprits are read off its run (ClassRun.signature). */
  readonly signature: string;
  /** Runs that showed it (explore) or complete runs (check --exhaustive). */
  readonly count: number;
  readonly trace: Trace;
  /** Where its trace was written, if it was. */
  readonly file: string | null;
}

/** A class with its run replayed: what else that run shows, and for which messages. */
export interface ClassRun {
  readonly entry: ReportedClass;
  readonly replay: Replay;
  readonly signature: Signature;
  /** The violation that carries the class's signature (the first, if several messages show it). */
  readonly violation: Violation;
  /** Every signature the run shows, with the messages it shows it for. */
  readonly shown: ReadonlyMap<string, ReadonlySet<number>>;
}

export interface ExplainedClass {
  readonly run: ClassRun;
  /** Weaker classes that show on this class's run for the same message. */
  readonly implied: readonly ClassRun[];
}

export interface RootCause {
  readonly id: string;
  readonly property: PropertyName;
  readonly signature: Signature;
  /** The class with the shortest run: the one the story is told from. */
  readonly shortest: ClassRun;
  /** Classes it explains directly, each with the weaker classes implied on its run. */
  readonly classes: readonly ExplainedClass[];
  /** Runs that showed any of its direct classes. */
  readonly count: number;
}

function pickerFor(trace: Trace, config: Config): CulpritPicker {
  // A trace of check --exhaustive has its faults in its path: its but-for runs follow the path.
  return trace.mode === 'exhaustive'
    ? exhaustiveButForOfChoices(config, trace.scenario, trace.choices)
    : butForPicker(config, { scenario: trace.scenario, seed: trace.seed });
}

/** Replays a class's trace and reads off every signature its run shows. */
export function classRunOf(entry: ReportedClass): ClassRun {
  const replayed = replayTrace(entry.trace);
  if (!replayed.ok) throw new Error(`class '${entry.signature}': ${replayed.error}`);
  const replay = replayed.value;
  if (replay.divergences.length > 0) throw new Error(`class '${entry.signature}': its trace did not reproduce: ${replay.divergences.join('; ')}`);
  const pick = pickerFor(entry.trace, replay.config);
  const shown = new Map<string, Set<number>>();
  let own: { signature: Signature; violation: Violation } | undefined;
  for (const violation of replay.violations) {
    const signature = signatureOf(violation, replay.result.history, replay.result.faults, pick);
    const messages = shown.get(signature.text) ?? new Set<number>();
    messages.add(violation.message);
    shown.set(signature.text, messages);
    if (own === undefined && signature.text === entry.signature) own = { signature, violation };
  }
  if (own === undefined) throw new Error(`class '${entry.signature}': its trace replays without it`);
  return { entry, replay, ...own, shown };
}

/** Fewer culprit faults, then the shorter run, then the more often seen, then by text: a total order. */
function simpler(a: ClassRun, b: ClassRun): number {
  return (
    a.signature.culprits - b.signature.culprits ||
    a.replay.result.stats.events - b.replay.result.stats.events ||
    b.entry.count - a.entry.count ||
    (a.entry.signature < b.entry.signature ? -1 : a.entry.signature > b.entry.signature ? 1 : 0)
  );
}

function worseFirst(a: ClassRun, b: ClassRun): number {
  return severityOf(a.signature.property) - severityOf(b.signature.property) || simpler(a, b);
}

/** Does `worse`'s run show `weaker`'s signature for the message `worse` is about? */
function implies(worse: ClassRun, weaker: ClassRun): boolean {
  if (severityOf(worse.signature.property) >= severityOf(weaker.signature.property)) return false;
  return worse.shown.get(weaker.entry.signature)?.has(worse.violation.message) === true;
}

/**
 * The mechanism a class stands for: its effect, and each culprit fault with the snapshot's part
 * in it; the victim's protocol step is left out (see the head of this file), except whether the
 * victim existed at all: a fault before the message was published cannot have lost the message
 * itself, only something it needed (the consumer's session, its subscription), which is another
 * mechanism. A class without a culprit keeps its phase ("no fault", "no fault: broker dropped it
 * (queue-full)").
 */
export function mechanismOf(signature: Signature): string {
  const culprits = signature.culpritPhases.map((phase) => {
    if (!phase.published) return `${phase.label}, before it was published`;
    return `${phase.label}${phase.inSnapshot === null ? '' : phase.inSnapshot ? ', in snapshot' : ', not in snapshot'}`;
  });
  return `${signature.property} / ${culprits.length === 0 ? signature.phase : culprits.join(' + ')}`;
}

/** Groups classes (each with its replayed run) into root causes, worst first. */
export function rootCausesOf(runs: readonly ClassRun[]): RootCause[] {
  const ordered = [...runs].sort(worseFirst);
  const heads: ClassRun[] = [];
  const implied = new Map<ClassRun, ClassRun[]>();
  // ordered is worst first, so whatever implies a class was placed before it: under the head of
  // the worst class that implies it (itself, or the head it sits under).
  const headOf = new Map<ClassRun, ClassRun>();
  for (const run of ordered) {
    const via = ordered.find((candidate) => headOf.has(candidate) && implies(candidate, run));
    const head = via === undefined ? undefined : headOf.get(via);
    if (head === undefined) {
      heads.push(run);
      implied.set(run, []);
      headOf.set(run, run);
    } else {
      implied.get(head)?.push(run);
      headOf.set(run, head);
    }
  }
  const groups = new Map<string, ClassRun[]>();
  for (const head of heads) {
    const key = mechanismOf(head.signature);
    groups.set(key, [...(groups.get(key) ?? []), head]);
  }
  const causes = [...groups.entries()].map(([key, members]): RootCause => {
    const bySimplicity = [...members].sort(simpler);
    const shortest = bySimplicity[0];
    if (shortest === undefined) throw new Error(`root cause '${key}' has no class`);
    return {
      id: slugOf(key),
      property: shortest.signature.property,
      signature: shortest.signature,
      shortest,
      classes: bySimplicity.map((run) => ({ run, implied: implied.get(run) ?? [] })),
      count: members.reduce((total, run) => total + run.entry.count, 0),
    };
  });
  return causes.sort(
    (a, b) =>
      severityOf(a.property) - severityOf(b.property) ||
      a.signature.culprits - b.signature.culprits ||
      b.count - a.count ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Every class a root cause explains, directly or implied. */
export function classesOf(cause: RootCause): ClassRun[] {
  return cause.classes.flatMap((entry) => [entry.run, ...entry.implied]);
}
