// fast-check arbitraries of what exploration varies: the workload (messages, offline periods),
// the nemesis (faults, each at a virtual time or anchored to a protocol event) and the seed of
// the run's own choices (latencies, simultaneous events).
import fc from 'fast-check';
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { anchorEvents, type Fault, type FaultWhen, type ProducerName, type PublishSpec, type Scenario } from '../../models/scenario.ts';

export interface ExploreBounds {
  readonly messagesMin: number;
  readonly messagesMax: number;
  readonly faultsMax: number;
  readonly faultKinds: readonly FaultKind[];
  /** Publish times and time-anchored faults fall in [0, horizonMs]. */
  readonly horizonMs: number;
  readonly offlinePeriodsMax: number;
}

export const defaultBounds: ExploreBounds = {
  messagesMin: 1,
  messagesMax: 5,
  faultsMax: 3,
  faultKinds,
  horizonMs: 2_000,
  offlinePeriodsMax: 1,
};

/** A scenario plus the seed of the run's choices: everything one exploration run needs. */
export interface ExploreCase {
  readonly scenario: Scenario;
  readonly seed: number;
}

function faultArbitrary(bounds: ExploreBounds, producers: readonly ProducerName[]): fc.Arbitrary<Fault> {
  // An anchor on a message the scenario does not have never fires; that costs a little
  // exploration but keeps messages and faults independent, which is what lets them shrink well.
  const when: fc.Arbitrary<FaultWhen> = fc.oneof(
    fc.record({ kind: fc.constant('time' as const), atMs: fc.integer({ min: 0, max: bounds.horizonMs }) }),
    fc.record({
      kind: fc.constant('event' as const),
      event: fc.constantFrom(...anchorEvents),
      message: fc.integer({ min: 1, max: bounds.messagesMax }),
      delayMs: fc.integer({ min: 0, max: 20 }),
    }),
  );
  const fault = fc
    .record({ kind: fc.constantFrom(...bounds.faultKinds), link: fc.constantFrom('producer' as const, 'consumer' as const), when })
    .map(({ kind, link, when: at }): Fault => (kind === 'connection-drop' ? { kind, link, when: at } : { kind, when: at }));
  // One producer: the draws above, unchanged, so a seed explores what it always did.
  return producers.length === 1 ? fault : fault.chain((drawn) => withProducerTarget(drawn, producers));
}

/**
 * With several producers a producer crash or a producer's link drop names its producer, drawn
 * among them; the first producer's keeps no field of its own, as in a one-producer scenario.
 */
export function withProducerTarget(fault: Fault, producers: readonly ProducerName[]): fc.Arbitrary<Fault> {
  const named = fault.kind === 'producer-crash' || (fault.kind === 'connection-drop' && fault.link === 'producer');
  if (!named) return fc.constant(fault);
  return fc.constantFrom(...producers).map((producer): Fault => {
    if (producer === 'producer') return fault;
    return fault.kind === 'connection-drop' ? { ...fault, link: producer } : { ...fault, producer };
  });
}

/** Publish times, sorted; with several producers each message's publisher too (the first's is left unnamed). */
function messagesArbitrary(bounds: ExploreBounds, producers: readonly ProducerName[]): fc.Arbitrary<PublishSpec[]> {
  const times = fc.array(fc.integer({ min: 0, max: bounds.horizonMs }), { minLength: bounds.messagesMin, maxLength: bounds.messagesMax });
  if (producers.length === 1) return times.map((list) => [...list].sort((a, b) => a - b).map((atMs) => ({ atMs })));
  return times.chain((list) =>
    fc.array(fc.constantFrom(...producers), { minLength: list.length, maxLength: list.length }).map((by) =>
      [...list].sort((a, b) => a - b).map((atMs, index): PublishSpec => (by[index] === 'producer' || by[index] === undefined ? { atMs } : { atMs, by: by[index] })),
    ),
  );
}

export function scenarioArbitrary(bounds: ExploreBounds, producers: readonly ProducerName[] = ['producer']): fc.Arbitrary<Scenario> {
  return fc.record({
    messages: messagesArbitrary(bounds, producers),
    offline: fc.array(
      fc
        .record({ fromMs: fc.integer({ min: 1, max: bounds.horizonMs }), lengthMs: fc.integer({ min: 1, max: 2_000 }) })
        .map(({ fromMs, lengthMs }) => ({ fromMs, toMs: fromMs + lengthMs })),
      { maxLength: bounds.offlinePeriodsMax },
    ),
    faults:
      bounds.faultKinds.length === 0 || bounds.faultsMax === 0
        ? fc.constant([])
        : fc.array(faultArbitrary(bounds, producers), { maxLength: bounds.faultsMax }),
  });
}

/** `producers`: the producers of the configuration explored (models/scenario.ts producersOf). */
export function caseArbitrary(bounds: ExploreBounds, producers: readonly ProducerName[] = ['producer']): fc.Arbitrary<ExploreCase> {
  return fc.record({ scenario: scenarioArbitrary(bounds, producers), seed: fc.integer({ min: 0, max: 0x7fffffff }) });
}
