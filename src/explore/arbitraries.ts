// fast-check arbitraries of what exploration varies: the workload (messages, offline periods),
// the nemesis (faults, each at a virtual time or anchored to a protocol event) and the seed of
// the run's own choices (latencies, simultaneous events).
import fc from 'fast-check';
import { faultKinds, type FaultKind } from '../../models/history.ts';
import { anchorEvents, type Fault, type FaultWhen, type Scenario } from '../../models/scenario.ts';

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

function faultArbitrary(bounds: ExploreBounds): fc.Arbitrary<Fault> {
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
  return fc
    .record({ kind: fc.constantFrom(...bounds.faultKinds), link: fc.constantFrom('producer' as const, 'consumer' as const), when })
    .map(({ kind, link, when: at }): Fault => (kind === 'connection-drop' ? { kind, link, when: at } : { kind, when: at }));
}

export function scenarioArbitrary(bounds: ExploreBounds): fc.Arbitrary<Scenario> {
  return fc.record({
    messages: fc
      .array(fc.integer({ min: 0, max: bounds.horizonMs }), { minLength: bounds.messagesMin, maxLength: bounds.messagesMax })
      .map((times) => [...times].sort((a, b) => a - b).map((atMs) => ({ atMs }))),
    offline: fc.array(
      fc
        .record({ fromMs: fc.integer({ min: 1, max: bounds.horizonMs }), lengthMs: fc.integer({ min: 1, max: 2_000 }) })
        .map(({ fromMs, lengthMs }) => ({ fromMs, toMs: fromMs + lengthMs })),
      { maxLength: bounds.offlinePeriodsMax },
    ),
    faults:
      bounds.faultKinds.length === 0 || bounds.faultsMax === 0
        ? fc.constant([])
        : fc.array(faultArbitrary(bounds), { maxLength: bounds.faultsMax }),
  });
}

export function caseArbitrary(bounds: ExploreBounds): fc.Arbitrary<ExploreCase> {
  return fc.record({ scenario: scenarioArbitrary(bounds), seed: fc.integer({ min: 0, max: 0x7fffffff }) });
}
