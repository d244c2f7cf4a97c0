// One broker step in progress: copy-on-write views of the state's records plus what the step
// emits. The previous state is never touched; a record is copied once, on its first write.
import { withConn, type Session, type StepSink } from './broker-session.ts';
import type { BrokerConfig } from './config.ts';
import type { ConnId, Effect } from './node.ts';

export interface Tx extends StepSink {
  readonly config: BrokerConfig;
  /** The broker's node name, for history events and assertion messages. */
  readonly name: string;
  sessions: Record<string, Session>;
  conns: Record<ConnId, string | null>;
  ownsSessions: boolean;
  ownsConns: boolean;
}

export function beginTx(
  config: BrokerConfig,
  name: string,
  sessions: Readonly<Record<string, Session>>,
  conns: Readonly<Record<ConnId, string | null>>,
  changes: number,
  effects: Effect[],
): Tx {
  return {
    config,
    name,
    effects,
    changes,
    sessions: sessions as Record<string, Session>,
    conns: conns as Record<ConnId, string | null>,
    ownsSessions: false,
    ownsConns: false,
  };
}

export function putSession(tx: Tx, session: Session): void {
  if (!tx.ownsSessions) {
    tx.sessions = { ...tx.sessions };
    tx.ownsSessions = true;
  }
  tx.sessions[session.clientId] = session;
}

function deleteSession(tx: Tx, clientId: string): void {
  tx.sessions = without(tx.sessions, clientId);
  tx.ownsSessions = true;
}

export function putConn(tx: Tx, conn: ConnId, clientId: string | null): void {
  if (!tx.ownsConns) {
    tx.conns = { ...tx.conns };
    tx.ownsConns = true;
  }
  tx.conns[conn] = clientId;
}

export function deleteConn(tx: Tx, conn: ConnId): void {
  tx.conns = without(tx.conns, String(conn));
  tx.ownsConns = true;
}

/** A copy of `record` without `key`: rebuilt rather than `delete`d, which would slow every later copy. */
function without<V>(record: Readonly<Record<string, V>>, key: string): Record<string, V> {
  const copy: Record<string, V> = {};
  for (const k in record) if (k !== key) copy[k] = record[k] as V;
  return copy;
}

/**
 * context.c context__disconnect: the socket closes; a clean session (session_expiry_interval 0
 * for a 3.1.1 clean client, handle_connect.c) is discarded with its subscriptions and
 * messages, a persistent one stays with everything it holds (MQTT 3.1.1 §3.1.2.4).
 * `close`: the broker closes the socket itself (after DISCONNECT or a protocol error).
 */
export function dropConnection(tx: Tx, conn: ConnId, close: boolean): void {
  const clientId = tx.conns[conn];
  deleteConn(tx, conn);
  if (close) tx.effects.push({ kind: 'close', conn });
  if (clientId === null || clientId === undefined) return;
  const session = tx.sessions[clientId];
  if (session === undefined || session.conn !== conn) return;
  if (session.clean) deleteSession(tx, clientId);
  else putSession(tx, withConn(session, null));
}
