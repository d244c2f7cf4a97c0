// The phase tracker files what it observes only when something reads it (phases.ts). Whatever
// the reads, they must see what filing each observation at once would have given: here a tracker
// read after every observation (so it files each at once) is the reference for one read only at
// random points, restores included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ghostPayload } from '../../models/ghost.ts';
import type { Packet } from '../../models/packets.ts';
import { PhaseTracker, type PhaseState } from './phases.ts';

type Observation =
  | { readonly kind: 'arrive'; readonly from: string; readonly to: string; readonly packet: Packet }
  | { readonly kind: 'note'; readonly message: number; readonly step: string };

type Operation = Observation | { readonly kind: 'read' } | { readonly kind: 'save' } | { readonly kind: 'restore' };

const clients = ['producer', 'consumer'];

function packetArbitrary(): fc.Arbitrary<Packet> {
  const messageId = fc.integer({ min: 1, max: 3 });
  const publish = fc.record({ message: fc.integer({ min: 1, max: 4 }), messageId: fc.option(messageId, { nil: undefined }) }).map(
    ({ message, messageId: id }): Packet =>
      id === undefined
        ? { cmd: 'publish', topic: 't', payload: ghostPayload(message), qos: 0, dup: false, retain: false }
        : { cmd: 'publish', topic: 't', payload: ghostPayload(message), qos: 2, dup: false, retain: false, messageId: id },
  );
  const ack = fc.record({ cmd: fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const), messageId });
  return fc.oneof(publish, ack);
}

const observationArbitrary: fc.Arbitrary<Observation> = fc.oneof(
  fc.record({ client: fc.constantFrom(...clients), up: fc.boolean(), packet: packetArbitrary() }).map(
    ({ client, up, packet }): Observation => (up ? { kind: 'arrive', from: client, to: 'broker', packet } : { kind: 'arrive', from: 'broker', to: client, packet }),
  ),
  fc.record({ message: fc.integer({ min: 1, max: 4 }), step: fc.constantFrom('in producer memory', 'consumer handling', 'consumer handled') }).map(
    ({ message, step }): Observation => ({ kind: 'note', message, step }),
  ),
);

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: observationArbitrary },
  { weight: 1, arbitrary: fc.constant({ kind: 'read' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'save' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restore' } as const) },
);

function observe(tracker: PhaseTracker, observation: Observation): void {
  if (observation.kind === 'arrive') tracker.packetArrived(observation.from, observation.to, observation.packet);
  else tracker.note(observation.message, observation.step);
}

/**
 * Everything a reader can learn from a tracker. Not state(): its flow keys number the clients in
 * the order the tracker filed them, and an arrival a restore undid before it was filed numbers
 * none, so two trackers may number alike flows apart; text() names them.
 */
function reading(tracker: PhaseTracker): unknown {
  const messages = tracker.messages();
  return { messages, steps: messages.map((message) => tracker.stepOf(message)), text: tracker.text() };
}

describe('PhaseTracker', () => {
  it('reads as if it filed every observation as it came, whenever it is read and restored', () => {
    fc.assert(
      fc.property(fc.array(operationArbitrary, { maxLength: 60 }), (operations) => {
        const lazy = new PhaseTracker('broker');
        const eager = new PhaseTracker('broker');
        let lazySaved: PhaseState | null = null;
        let eagerSaved: PhaseState | null = null;
        for (const operation of operations) {
          switch (operation.kind) {
            case 'arrive':
            case 'note':
              observe(lazy, operation);
              observe(eager, operation);
              eager.state();
              break;
            case 'read':
              expect(reading(lazy)).toEqual(reading(eager));
              break;
            case 'save':
              lazySaved = lazy.state();
              eagerSaved = eager.state();
              expect(reading(lazy)).toEqual(reading(eager));
              break;
            case 'restore':
              if (lazySaved !== null && eagerSaved !== null) {
                lazy.restore(lazySaved);
                eager.restore(eagerSaved);
              }
              break;
          }
        }
        expect(reading(lazy)).toEqual(reading(eager));
      }),
    );
  });

  it('names the step an acknowledgement reached, by the flow its PUBLISH opened', () => {
    const tracker = new PhaseTracker('broker');
    tracker.packetArrived('producer', 'broker', { cmd: 'publish', topic: 't', payload: ghostPayload(1), qos: 2, dup: false, retain: false, messageId: 7 });
    expect(tracker.stepOf(1)).toBe('broker got PUBLISH');
    tracker.packetArrived('broker', 'producer', { cmd: 'pubrec', messageId: 7 });
    tracker.packetArrived('producer', 'broker', { cmd: 'pubrel', messageId: 7 });
    expect(tracker.stepOf(1)).toBe('broker got PUBREL');
    tracker.packetArrived('broker', 'producer', { cmd: 'pubcomp', messageId: 7 });
    tracker.note(2, 'in producer memory');
    expect([tracker.stepOf(1), tracker.stepOf(2), tracker.stepOf(3)]).toEqual(['producer got PUBCOMP', 'in producer memory', 'not yet published']);
  });
});
