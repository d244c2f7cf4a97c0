// The producer application's script, shared by the simulated world and the real-broker runner:
// when each message is published. With sequential publishing (the blog's producer) each publish
// waits for the previous message's acknowledgement; a script whose process crashed carries on,
// once restarted, with the next message (the unacknowledged one is an unknown outcome).
// Each producer runs a script of its own over the messages the scenario gives it (PublishSpec.by),
// so a sequential producer waits only for its own acknowledgements.
import type { ProducerConfig } from '../../models/config.ts';
import type { MessageId } from '../../models/ghost.ts';
import type { HistoryBody } from '../../models/history.ts';
import type { ProducerName, PublishSpec } from '../../models/scenario.ts';

export interface ScriptHost {
  /** Arrange for `due(message)` to be called at virtual or real time `atMs` (never earlier than now). */
  scheduleAt(atMs: number, message: MessageId): void;
  /** Hand the publish call to the producer application (the producer process is up). */
  invoke(message: MessageId): void;
  producerUp(): boolean;
  nowMs(): number;
}

/** The script's progress, as a value: for the exhaustive search's snapshots and state hash. */
export interface ScriptState {
  /** 1-based position, in this script's own messages, of the next one to schedule. */
  readonly nextMessage: number;
  readonly awaited: MessageId | null;
  readonly diedAwaiting: MessageId | null;
  readonly dueOnRestart: readonly MessageId[];
}

export class PublishScript {
  private nextMessage = 1;
  private awaited: MessageId | null = null;
  private diedAwaiting: MessageId | null = null;
  /** Publishes that fell due while the producer process was down. */
  private dueOnRestart: MessageId[] = [];
  private lastState: ScriptState | null = null;
  /** The scenario's messages this producer publishes, in order: their ids. */
  private readonly own: readonly MessageId[];

  constructor(
    private readonly messages: readonly PublishSpec[],
    private readonly mode: ProducerConfig['publish_mode'],
    private readonly host: ScriptHost,
    publisher: ProducerName = 'producer',
  ) {
    const own: MessageId[] = [];
    messages.forEach((spec, index) => {
      if ((spec.by ?? 'producer') === publisher) own.push(index + 1);
    });
    this.own = own;
  }

  start(): void {
    if (this.mode === 'scheduled') {
      for (const message of this.own) this.host.scheduleAt((this.messages[message - 1] as PublishSpec).atMs, message);
      this.nextMessage = this.own.length + 1;
    } else {
      this.scheduleNext();
    }
  }

  due(message: MessageId): void {
    if (!this.host.producerUp()) {
      this.dueOnRestart.push(message);
      return;
    }
    if (this.mode === 'sequential') this.awaited = message;
    this.host.invoke(message);
  }

  observed(event: HistoryBody): void {
    // QoS 0 has no acknowledgement to wait for: the script moves on once publish() returns.
    if ((event.kind === 'publish-invoked' && event.qos === 0) || event.kind === 'publish-acked') this.doneWith(event.message);
  }

  producerCrashed(): void {
    this.diedAwaiting = this.awaited;
  }

  producerRestarted(): void {
    if (this.diedAwaiting !== null) {
      const awaited = this.diedAwaiting;
      this.diedAwaiting = null;
      this.doneWith(awaited);
    }
    const due = this.dueOnRestart;
    this.dueOnRestart = [];
    for (const message of due) this.due(message);
  }

  private doneWith(message: MessageId): void {
    if (this.mode !== 'sequential' || this.awaited !== message) return;
    this.awaited = null;
    this.scheduleNext();
  }

  state(): ScriptState {
    // The script changes rarely: hand out the same value while it has not (snapshots share it).
    const last = this.lastState;
    if (
      last !== null &&
      last.nextMessage === this.nextMessage &&
      last.awaited === this.awaited &&
      last.diedAwaiting === this.diedAwaiting &&
      last.dueOnRestart.length === this.dueOnRestart.length &&
      last.dueOnRestart.every((message, index) => message === this.dueOnRestart[index])
    ) {
      return last;
    }
    this.lastState = { nextMessage: this.nextMessage, awaited: this.awaited, diedAwaiting: this.diedAwaiting, dueOnRestart: this.dueOnRestart.slice() };
    return this.lastState;
  }

  restore(state: ScriptState): void {
    this.lastState = state;
    this.nextMessage = state.nextMessage;
    this.awaited = state.awaited;
    this.diedAwaiting = state.diedAwaiting;
    this.dueOnRestart = state.dueOnRestart.slice();
  }

  private scheduleNext(): void {
    const message = this.own[this.nextMessage - 1];
    if (message === undefined) return;
    this.host.scheduleAt(Math.max(this.host.nowMs(), (this.messages[message - 1] as PublishSpec).atMs), message);
    this.nextMessage += 1;
  }
}
