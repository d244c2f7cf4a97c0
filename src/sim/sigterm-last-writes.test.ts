// What a stopping broker wrote reaches the clients: Mosquitto 2.0.11 leaves its main loop between
// events, every packet it queued already written (lib/packet_mosq.c packet__queue), and closes
// each client's socket only after its last save (src/mosquitto.c main → src/context.c
// context__cleanup → lib/net_mosq.c net__socket_close). A kill -9 can strike between a step and
// its writes, so the model cuts what a killed broker had in flight. Both agendas, one rule.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models/presets.ts';
import type { Scenario } from '../../models/scenario.ts';
import { exhaustiveScenario } from '../check/exhaustive.ts';
import { RandomChooser, type Chooser } from './chooser.ts';
import { ExhaustiveWorld, type StepOption } from './exhaustive-world.ts';
import type { LogEntry } from './log.ts';
import { nodesFor, runScenario } from './run.ts';
import type { WorldEvent } from './world.ts';

function blog(overrides: Record<string, string> = {}) {
  const config = resolveConfig('blog', overrides);
  if (!config.ok) throw new Error(config.error);
  return config.value;
}

const noChoice: Chooser = {
  choose() {
    throw new Error('this test takes its options itself');
  },
};

/** A packet from the broker to a client, still on its way. */
function brokerPacketInFlight(pending: readonly WorldEvent[]): WorldEvent | undefined {
  return pending.find((event) => event.payload.kind === 'arrive' && event.payload.from.name === 'broker');
}

/** An exhaustive world walked, first option first, to a state where the broker has a packet in flight. */
function worldWithBrokerPacketInFlight(): { readonly world: ExhaustiveWorld; readonly inFlight: WorldEvent } {
  const config = blog();
  const world = new ExhaustiveWorld(config, exhaustiveScenario(1), nodesFor(config), noChoice);
  world.begin();
  for (let steps = 0; steps < 50; steps += 1) {
    const inFlight = brokerPacketInFlight(world.view().pending);
    if (inFlight !== undefined) return { world, inFlight };
    const next = world.options().find((option) => option.kind === 'event');
    if (next === undefined) break;
    world.take(next);
  }
  throw new Error('the broker never had a packet in flight');
}

function brokerFault(world: ExhaustiveWorld, kind: 'broker-kill' | 'broker-restart'): StepOption {
  const option = world.options().find((candidate) => candidate.kind === 'fault' && candidate.fault.kind === kind && (candidate.fault.saved ?? 0) === 0);
  if (option === undefined) throw new Error(`no ${kind} option`);
  return option;
}

describe('exhaustive agenda: a SIGTERM keeps what the broker wrote deliverable, a kill cuts it', () => {
  it('after a SIGTERM the packet is still an option, and the orderly close comes behind it on its connection', () => {
    const { world, inFlight } = worldWithBrokerPacketInFlight();
    world.take(brokerFault(world, 'broker-restart'));
    const pending = world.view().pending;
    expect(pending).toContain(inFlight);
    const payload = inFlight.payload;
    if (payload.kind !== 'arrive') throw new Error('not a packet');
    const close = pending.find((event) => event.payload.kind === 'hangup' && event.payload.conn === payload.conn && event.payload.node === payload.to);
    expect(close?.payload).toMatchObject({ kind: 'hangup', ordered: true });
    // FIFO: only the packet is offered on that connection direction, the close waits behind it.
    const offered = world.options().flatMap((option) => (option.kind === 'event' ? [option.event] : []));
    expect(offered).toContain(inFlight);
    expect(offered).not.toContain(close);
    world.take({ kind: 'event', event: inFlight });
    expect(world.options().some((option) => option.kind === 'event' && option.event === close)).toBe(true);
  });

  it('after a kill the packet is gone, and the client learns of the connection’s end without it', () => {
    const { world, inFlight } = worldWithBrokerPacketInFlight();
    world.take(brokerFault(world, 'broker-kill'));
    expect(world.view().pending).not.toContain(inFlight);
  });
});

describe('timed agenda: the same rule', () => {
  // Every packet takes 3 ms, so what is in flight when is fixed. QoS 2; the producer writes m1 at t.
  const fixed = { 'network.latencyMsMin': '3', 'network.latencyMsMax': '3' };
  const faultAt = (kind: 'broker-restart' | 'broker-kill', delayMs: number): Scenario => ({
    messages: [{ atMs: 100 }],
    offline: [],
    faults: [{ kind, when: { kind: 'event', event: 'publish-sent', message: 1, delayMs } }],
  });
  const firstPubrec = (log: readonly LogEntry[]) =>
    log.find((entry) => (entry.kind === 'packet' || entry.kind === 'lost') && entry.to === 'producer' && entry.packet.cmd === 'pubrec');

  it('a SIGTERM at t: the broker handles the PUBLISH that wakes it (t+3), stops, and its PUBREC still reaches the producer (t+6), then the close', () => {
    // The close is due at the same instant as the PUBREC (both 3 ms): whichever order the seed
    // picks among simultaneous events, the close stays behind the packet on its connection.
    for (let seed = 1; seed <= 20; seed += 1) {
      const result = runScenario(blog(fixed), faultAt('broker-restart', 0), new RandomChooser(seed), { log: true });
      const log = result.log ?? [];
      const stoppedMs = result.faults[0]?.atMs ?? Number.NaN;
      const pubrec = firstPubrec(log);
      expect(pubrec?.kind, `seed ${seed}`).toBe('packet');
      // In flight when the broker stopped: written in its last step, delivered after.
      expect(pubrec?.atMs).toBe(stoppedMs + 3);
      const close = log.find((entry) => entry.kind === 'hangup' && entry.node === 'producer');
      expect(close?.atMs).toBe(pubrec?.atMs);
      expect(log.indexOf(close as LogEntry), `seed ${seed}`).toBeGreaterThan(log.indexOf(pubrec as LogEntry));
    }
  });

  it('a kill at t+4, with that PUBREC on its way, cuts it', () => {
    const result = runScenario(blog(fixed), faultAt('broker-kill', 4), new RandomChooser(1), { log: true });
    const log = result.log ?? [];
    const pubrec = firstPubrec(log);
    expect(pubrec?.kind).toBe('lost');
    expect(pubrec?.atMs).toBeGreaterThan(result.faults[0]?.atMs ?? Infinity);
  });
});
