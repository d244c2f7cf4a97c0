// The producer application's script, shared by the simulated world and the real-broker runner:
// when each message is published. With sequential publishing (the blog's producer) each publish
// waits for the previous message's acknowledgement; a script whose process crashed carries on,
// once restarted, with the next message (the unacknowledged one is an unknown outcome).
import type { ProducerConfig } from '../../models/config.ts';
import type { MessageId } from '../../models/ghost.ts';
import type { HistoryBody } from '../../models/history.ts';
import type { PublishSpec } from '../../models/scenario.ts';

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

  constructor(
    private readonly messages: readonly PublishSpec[],
    private readonly mode: ProducerConfig['publish_mode'],
    private readonly host: ScriptHost,
  ) {}

  start(): void {
    if (this.mode === 'scheduled') {
      this.messages.forEach((message, index) => this.host.scheduleAt(message.atMs, index + 1));
      this.nextMessage = this.messages.length + 1;
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
    const spec = this.messages[this.nextMessage - 1];
    if (spec === undefined) return;
    this.host.scheduleAt(Math.max(this.host.nowMs(), spec.atMs), this.nextMessage);
    this.nextMessage += 1;
  }
}
