// Follows each message through the protocol so that, when a fault strikes, the checker can say
// which step the message had last reached (the "phase" in a counterexample's signature).
// It maps packet ids back to messages the way a person reading a capture would: a PUBLISH
// names its payload; later PUBACK/PUBREC/PUBREL/PUBCOMP with the same id in the same flow
// belong to it. This is the harness's observation; no node logic reads it.
import { maybeGhostOf, type MessageId } from '../../models/ghost.ts';
import type { NodeName } from '../../models/history.ts';
import type { Packet } from '../../models/packets.ts';

export interface PhaseState {
  /** In insertion order (the order messages were first noted). */
  readonly lastStep: readonly (readonly [MessageId, string])[];
  readonly flows: readonly (readonly [string, MessageId])[];
}

export class PhaseTracker {
  private readonly lastStep = new Map<MessageId, string>();
  /** `${client}>${flow}>${packetId}` → message, flow 'up' = client publishes, 'down' = broker publishes. */
  private readonly flows = new Map<string, MessageId>();

  constructor(private readonly broker: NodeName) {}

  note(message: MessageId, step: string): void {
    this.lastStep.set(message, step);
  }

  packetArrived(from: NodeName, to: NodeName, packet: Packet): void {
    const fromClient = from !== this.broker;
    const client = fromClient ? from : to;
    switch (packet.cmd) {
      case 'publish': {
        const message = maybeGhostOf(packet.payload);
        if (message === undefined) return;
        if (packet.messageId !== undefined) this.flows.set(`${client}>${fromClient ? 'up' : 'down'}>${packet.messageId}`, message);
        this.note(message, `${to} got PUBLISH`);
        return;
      }
      case 'pubrel':
      case 'puback':
      case 'pubrec':
      case 'pubcomp': {
        // PUBREL travels with the flow; the other three travel against it.
        const senderIsFlowSource = packet.cmd === 'pubrel';
        const flow = fromClient === senderIsFlowSource ? 'up' : 'down';
        const message = this.flows.get(`${client}>${flow}>${packet.messageId}`);
        if (message !== undefined) this.note(message, `${to} got ${packet.cmd.toUpperCase()}`);
        return;
      }
      default:
        return;
    }
  }

  stepOf(message: MessageId): string {
    return this.lastStep.get(message) ?? 'not yet published';
  }

  /** Everything the tracker knows, as a value (for the exhaustive search's snapshots and state hash). */
  state(): PhaseState {
    return { lastStep: [...this.lastStep], flows: [...this.flows] };
  }

  restore(state: PhaseState): void {
    this.lastStep.clear();
    for (const [message, step] of state.lastStep) this.lastStep.set(message, step);
    this.flows.clear();
    for (const [key, message] of state.flows) this.flows.set(key, message);
  }

  messages(): MessageId[] {
    return [...this.lastStep.keys()].sort((a, b) => a - b);
  }
}
