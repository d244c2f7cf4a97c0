// The small exhaustive bound tests search: one message, a crash of either client or a drop of
// either link, one fault per run (seconds, and every kind of client-side story).
import type { FaultKind } from '../../models/history.ts';
import type { ExhaustiveBounds } from './exhaustive.ts';

export const smallBounds: ExhaustiveBounds = {
  messages: 1,
  crashesPerNode: 1,
  dropsPerLink: 1,
  faultsMax: 1,
  depthMax: 200,
  resendsMax: 1,
  faultKinds: ['consumer-crash', 'producer-crash', 'connection-drop'] satisfies FaultKind[],
};
