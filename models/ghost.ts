// The harness tags every message with an identity the checker can follow (a "ghost" field,
// carried as the payload). Node logic must never branch on it: a broker recognises a QoS 2
// message only by its packet id, so a model that used the ghost would prove guarantees the
// real system does not have. Applications may *report* it in history events; that is observation.

export type MessageId = number;

const prefix = 'm';

export function ghostPayload(message: MessageId): string {
  return `${prefix}${message}`;
}

export function ghostOf(payload: string): MessageId {
  const message = Number(payload.slice(prefix.length));
  if (!payload.startsWith(prefix) || !Number.isInteger(message) || message < 1) {
    throw new Error(`payload ${JSON.stringify(payload)} carries no ghost message id`);
  }
  return message;
}

/** The ghost id a payload carries, or undefined for a payload the harness did not tag. */
export function maybeGhostOf(payload: string): MessageId | undefined {
  if (!payload.startsWith(prefix)) return undefined;
  const message = Number(payload.slice(prefix.length));
  return Number.isInteger(message) && message >= 1 ? message : undefined;
}
