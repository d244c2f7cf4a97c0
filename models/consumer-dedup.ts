// The 'dedup' consumer's durable dedup store: the ids of the messages whose handling committed.
// The application's side effect and the record "message X handled" are one transaction (say, one
// database transaction that applies the effect and inserts X into a processed-messages table):
// both are on disk when the handler returns, neither is if the process dies before. In the model
// the commit is the step that records 'handled', which a crash cannot split.
//
// A message is recognised by its application id, which the producer application puts in the
// payload (the payload string is that id; see e2e-ack.ts on why this is application identity and
// not the ghost misuse models/ghost.ts forbids). Packet ids cannot serve: the broker numbers
// every copy afresh, and a producer that publishes a message again makes a new one.
import { assert } from './assert.ts';

/** Ids handled, oldest first. Durable: survives a crash and a restart. */
export type DedupStore = readonly string[];

export const emptyDedupStore: DedupStore = [];

/**
 * A real store would expire ids older than any possible redelivery; a bounded run never needs
 * to, and this bound turns a runaway into a harness crash.
 */
export const dedupStoreMax = 100_000;

export function dedupHas(store: DedupStore, id: string): boolean {
  return store.includes(id);
}

/** The store after committing `id` with its side effect; the application never handles a known id. */
export function dedupCommit(store: DedupStore, id: string): DedupStore {
  assert(!store.includes(id), () => `dedup store: ${JSON.stringify(id)} committed twice: ${JSON.stringify(store)}`);
  assert(store.length < dedupStoreMax, () => `dedup store beyond ${dedupStoreMax} ids`);
  return store.concat(id);
}
