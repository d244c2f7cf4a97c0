// Follows each message through the protocol so that, when a fault strikes, the checker can say
// which step the message had last reached (the "phase" in a counterexample's signature).
// It maps packet ids back to messages the way a person reading a capture would: a PUBLISH
// names its payload; later PUBACK/PUBREC/PUBREL/PUBCOMP with the same id in the same flow
// belong to it. This is the harness's observation; no node logic reads it.
import { maybeGhostOf, type MessageId } from '../../models/ghost.ts';
import type { NodeName } from '../../models/history.ts';
import type { Packet } from '../../models/packets.ts';

/** Step names are few and met on every packet and handling: each node's are built once. */
interface NodeStepNames {
  readonly inMemory: string;
  readonly handling: string;
  readonly handled: string;
  readonly got: Readonly<Record<Packet['cmd'], string>>;
  /** The five the tracker asks for at every arrival, as fields: a keyed read of `got` by a varying command is a slow lookup. */
  readonly gotPublish: string;
  readonly gotPuback: string;
  readonly gotPubrec: string;
  readonly gotPubrel: string;
  readonly gotPubcomp: string;
}

const commands: readonly Packet['cmd'][] = ['connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'disconnect'];
/**
 * Names by node, in two parallel arrays searched with ===: a run has three nodes, and the names
 * it passes are the same few string values, so a scan beats a Map's hashing at every packet.
 */
const namedNodes: string[] = [];
const namesByIndex: NodeStepNames[] = [];

function namesOf(node: string): NodeStepNames {
  for (let index = 0; index < namedNodes.length; index += 1) {
    if (namedNodes[index] === node) return namesByIndex[index] as NodeStepNames;
  }
  const got = Object.fromEntries(commands.map((cmd) => [cmd, `${node} got ${cmd.toUpperCase()}`])) as Record<Packet['cmd'], string>;
  const names: NodeStepNames = {
    inMemory: `in ${node} memory`,
    handling: `${node} handling`,
    handled: `${node} handled`,
    got,
    gotPublish: got.publish,
    gotPuback: got.puback,
    gotPubrec: got.pubrec,
    gotPubrel: got.pubrel,
    gotPubcomp: got.pubcomp,
  };
  namedNodes.push(node);
  namesByIndex.push(names);
  return names;
}

/** The step name of an acknowledgement's arrival, by a switch: each branch reads one field. */
function gotAck(names: NodeStepNames, cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'): string {
  switch (cmd) {
    case 'puback':
      return names.gotPuback;
    case 'pubrec':
      return names.gotPubrec;
    case 'pubrel':
      return names.gotPubrel;
    case 'pubcomp':
      return names.gotPubcomp;
  }
}

export const stepNames = {
  inMemory: (node: string): string => namesOf(node).inMemory,
  handling: (node: string): string => namesOf(node).handling,
  handled: (node: string): string => namesOf(node).handled,
  got: (node: string, cmd: Packet['cmd']): string => namesOf(node).got[cmd],
};

export interface PhaseState {
  /** In insertion order (the order messages were first noted). */
  readonly lastStep: readonly (readonly [MessageId, string])[];
  readonly flows: readonly (readonly [number, MessageId])[];
}

/** Packet ids are 16 bits (MQTT 3.1.1 §2.3.1); a flow key packs them under a client and a direction. */
const packetIdSpan = 0x10000;

export class PhaseTracker {
  private readonly lastStep = new Map<MessageId, string>();
  /**
   * flowKey(client, flow, packetId) → message; flow 'up' = the client publishes, 'down' = the
   * broker publishes. Numbers, not text: a packet's key is looked up at every arrival.
   */
  private readonly flows = new Map<number, MessageId>();
  /**
   * Client names by their index in flow keys, in the order first filed (never reordered): the
   * numbers are this tracker's own, read back only by this tracker (restore, text()).
   */
  private readonly clients: NodeName[] = [];
  /** The last state() handed out, while nothing has changed since (snapshots share it). */
  private saved: PhaseState | null = null;
  /** text() of the states handed out (a state is a value: its text never changes). */
  private readonly texts = new WeakMap<PhaseState, string>();
  /**
   * What happened since the maps were last brought up to date, three slots per observation:
   * an arrival as [from, to, packet], a note as [null, message, step]. Nothing reads the phases
   * until a fault strikes or the exhaustive search takes a snapshot, and a timed run does most of
   * its work after its last fault (the healing phase): queuing is cheaper than the maps' updates,
   * and what is never read is never filed. Every reader calls settle() first and then sees exactly
   * what filing each observation as it came would have given, in the same order.
   */
  private readonly pending: (NodeName | Packet | MessageId | string | null)[] = [];

  constructor(private readonly broker: NodeName) {}

  note(message: MessageId, step: string): void {
    this.pending.push(null, message, step);
  }

  private file(message: MessageId, step: string): void {
    this.saved = null;
    this.lastStep.set(message, step);
  }

  /** Files the pending observations, in the order they came. */
  private settle(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    for (let index = 0; index < pending.length; index += 3) {
      const first = pending[index];
      if (first === null) this.file(pending[index + 1] as MessageId, pending[index + 2] as string);
      else this.fileArrival(first as NodeName, pending[index + 1] as NodeName, pending[index + 2] as Packet);
    }
    pending.length = 0;
  }

  private flowKey(client: NodeName, up: boolean, packetId: number): number {
    let index = this.clients.indexOf(client);
    if (index < 0) index = this.clients.push(client) - 1;
    return (index * 2 + (up ? 1 : 0)) * packetIdSpan + packetId;
  }

  /** The key as text, `${client}>${flow}>${packetId}`: the canonical form text() sorts by. */
  private flowText(key: number): string {
    const packetId = key % packetIdSpan;
    const lane = (key - packetId) / packetIdSpan;
    return `${this.clients[lane >> 1] as NodeName}>${(lane & 1) === 1 ? 'up' : 'down'}>${packetId}`;
  }

  packetArrived(from: NodeName, to: NodeName, packet: Packet): void {
    this.pending.push(from, to, packet);
  }

  private fileArrival(from: NodeName, to: NodeName, packet: Packet): void {
    const fromClient = from !== this.broker;
    const client = fromClient ? from : to;
    switch (packet.cmd) {
      case 'publish': {
        const message = maybeGhostOf(packet.payload);
        if (message === undefined) return;
        if (packet.messageId !== undefined) {
          this.saved = null;
          this.flows.set(this.flowKey(client, fromClient, packet.messageId), message);
        }
        this.file(message, namesOf(to).gotPublish);
        return;
      }
      case 'pubrel':
      case 'puback':
      case 'pubrec':
      case 'pubcomp': {
        // PUBREL travels with the flow; the other three travel against it.
        const senderIsFlowSource = packet.cmd === 'pubrel';
        const message = this.flows.get(this.flowKey(client, fromClient === senderIsFlowSource, packet.messageId));
        if (message !== undefined) this.file(message, gotAck(namesOf(to), packet.cmd));
        return;
      }
      default:
        return;
    }
  }

  stepOf(message: MessageId): string {
    this.settle();
    return this.lastStep.get(message) ?? 'not yet published';
  }

  /** Everything the tracker knows, as a value (for the exhaustive search's snapshots and state hash). */
  state(): PhaseState {
    this.settle();
    this.saved ??= { lastStep: [...this.lastStep], flows: [...this.flows] };
    return this.saved;
  }

  /** The tracker's content as canonical text: entries sorted (for the exhaustive search's state hash); made once per state(). */
  text(): string {
    const state = this.state();
    let text = this.texts.get(state);
    if (text === undefined) {
      text = this.textNow();
      this.texts.set(state, text);
    }
    return text;
  }

  private textNow(): string {
    const steps: string[] = [];
    for (const [message, step] of this.lastStep) steps.push(`${message}:${step}`);
    const flows: string[] = [];
    for (const [key, message] of this.flows) flows.push(`${this.flowText(key)}=${message}`);
    return `${steps.sort().join(';')}/${flows.sort().join(';')}`;
  }

  restore(state: PhaseState): void {
    // What was pending happened after `state` was taken, and restoring undoes it.
    this.pending.length = 0;
    // Nothing changed since this very state was handed out or restored: the maps hold it.
    if (this.saved === state) return;
    this.lastStep.clear();
    for (const [message, step] of state.lastStep) this.lastStep.set(message, step);
    this.flows.clear();
    for (const [key, message] of state.flows) this.flows.set(key, message);
    this.saved = state;
  }

  messages(): MessageId[] {
    this.settle();
    return [...this.lastStep.keys()].sort((a, b) => a - b);
  }
}
