// Test support for the client models: steps a node directly, as the world would, and checks on
// every step that the model kept its contract (it never mutates a state it was given — every
// state is deep-frozen before it is stepped — and its states are plain JSON).
import type { Config } from './config.ts';
import type { HistoryBody } from './history.ts';
import type { ConnId, Effect, NodeInput, NodeModel } from './node.ts';
import type { Packet } from './packets.ts';
import { presets } from './presets.ts';

export function testConfig(patch: {
  readonly qos?: Config['qos'];
  readonly producer?: Partial<Config['producer']>;
  readonly consumer?: Partial<Config['consumer']>;
}): Config {
  const blog = presets['blog'] as Config;
  return {
    ...blog,
    qos: patch.qos ?? blog.qos,
    producer: { ...blog.producer, ...patch.producer },
    consumer: { ...blog.consumer, ...patch.consumer },
  };
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

export class Driver<S> {
  state: S;
  /** Effects of the last step. */
  effects: readonly Effect[] = [];
  /** Every history event so far, in order. */
  readonly history: HistoryBody[] = [];
  /** The virtual time every step is given; a test moves it by hand. */
  nowMs = 0;

  constructor(readonly model: NodeModel<S>) {
    this.state = model.init();
  }

  step(input: NodeInput): readonly Effect[] {
    deepFreeze(this.state);
    const before = JSON.stringify(this.state);
    const result = this.model.step(this.state, input, this.nowMs);
    if (JSON.stringify(this.state) !== before) throw new Error('step changed the state it was given');
    const json = JSON.stringify(result.state);
    if (JSON.stringify(JSON.parse(json)) !== json) throw new Error('state is not plain JSON');
    this.state = result.state;
    this.effects = result.effects;
    for (const effect of result.effects) if (effect.kind === 'history') this.history.push(effect.event);
    return result.effects;
  }

  crash(): void {
    this.state = this.model.crash(this.state);
    this.effects = [];
  }

  start(): readonly Effect[] {
    return this.step({ kind: 'start' });
  }

  connected(conn: ConnId): readonly Effect[] {
    return this.step({ kind: 'connected', conn });
  }

  disconnected(conn: ConnId): readonly Effect[] {
    return this.step({ kind: 'disconnected', conn });
  }

  packet(conn: ConnId, packet: Packet): readonly Effect[] {
    return this.step({ kind: 'packet', conn, packet });
  }

  timer(timer: string): readonly Effect[] {
    return this.step({ kind: 'timer', timer });
  }

  /** start, connected, CONNACK: the usual way up. */
  connect(conn: ConnId, sessionPresent = false): readonly Effect[] {
    if (!(this.state as { client: { started: boolean } }).client.started) this.start();
    this.connected(conn);
    return this.packet(conn, { cmd: 'connack', returnCode: 0, sessionPresent });
  }

  /** Packets of the last step's sends, for the given connection. */
  sent(conn?: ConnId): Packet[] {
    return this.effects.flatMap((effect) => (effect.kind === 'send' && (conn === undefined || effect.conn === conn) ? [effect.packet] : []));
  }

  /** History events of the last step. */
  events(): HistoryBody[] {
    return this.effects.flatMap((effect) => (effect.kind === 'history' ? [effect.event] : []));
  }

  /** Timers the last step set. */
  timersSet(): string[] {
    return this.effects.flatMap((effect) => (effect.kind === 'set-timer' ? [effect.timer] : []));
  }

  kinds(): string[] {
    return this.effects.map((effect) => (effect.kind === 'history' ? `history:${effect.event.kind}` : effect.kind));
  }
}
