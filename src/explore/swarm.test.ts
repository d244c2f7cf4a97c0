// Swarm scenarios: the seed draws the configuration with the scenario, over the ranges users
// run; explore --swarm groups what they break into classes, each with the settings it ran.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../models/scenario.ts';
import { exploreSwarm, swarmCaseOf } from './swarm-explore.ts';
import { sampleSwarm, swarmBoundsDefault, type SwarmCase } from './swarm.ts';

const cases = sampleSwarm('blog', {}, swarmBoundsDefault, 400, 7);

const mixedQos = (scenario: Scenario) => new Set(scenario.messages.map((message) => message.qos)).size > 1;
const burst = (c: SwarmCase) => c.config.producer.publish_mode === 'scheduled' && c.scenario.messages.length > 1 && new Set(c.scenario.messages.map((m) => m.atMs)).size === 1;
/** A persistent producer session under a fixed client id, resumed by the process after it crashed. */
const idReusedAfterCrash = (c: SwarmCase) => !c.config.producer.clean_session && c.scenario.faults.some((fault) => fault.kind === 'producer-crash');

describe('swarm scenarios', () => {
  it('are the same for the same seed, and every drawn configuration is valid', () => {
    expect(sampleSwarm('blog', {}, swarmBoundsDefault, 400, 7)).toEqual(cases);
    expect(cases.every((c) => c.config.broker.max_inflight_messages >= 1)).toBe(true);
  });

  it('draw every dimension: mixed QoS on one topic, publishing without waiting and in bursts, client id reuse, both fault anchors', () => {
    expect(cases.filter((c) => mixedQos(c.scenario)).length).toBeGreaterThan(20);
    expect(cases.filter((c) => c.config.producer.publish_mode === 'scheduled').length).toBeGreaterThan(100);
    expect(cases.filter(burst).length).toBeGreaterThan(10);
    expect(cases.filter(idReusedAfterCrash).length).toBeGreaterThan(10);
    // Two producers in about a third of the cases, both publishing, each one's faults drawn too.
    const two = cases.filter((c) => c.config.producers === 2);
    expect(two.length).toBeGreaterThan(80);
    expect(two.filter((c) => c.scenario.messages.some((m) => m.by === 'producer2') && c.scenario.messages.some((m) => m.by === undefined)).length).toBeGreaterThan(20);
    expect(two.some((c) => c.scenario.faults.some((fault) => fault.producer === 'producer2' || fault.link === 'producer2'))).toBe(true);
    expect(cases.filter((c) => c.config.producers === 1).every((c) => JSON.stringify(c.scenario).includes('producer2') === false)).toBe(true);
    expect(new Set(cases.map((c) => c.config.broker.max_queued_messages))).toEqual(new Set([0, 1, 2, 5, 1000]));
    const anchors = new Set(cases.flatMap((c) => c.scenario.faults.map((fault) => fault.when.kind)));
    expect(anchors).toEqual(new Set(['event', 'time']));
  });

  it('keep what the user pins with --set', () => {
    const pinned = sampleSwarm('blog', { qos: '1', 'broker.persistence': 'false' }, swarmBoundsDefault, 50, 3);
    expect(pinned.every((c) => c.config.qos === 1 && !c.config.broker.persistence && c.overrides['qos'] === '1')).toBe(true);
    // The number of producers pinned: one, and the first publishes every message and takes every
    // producer fault; two, and every case draws each message's publisher between them.
    const alone = sampleSwarm('blog', { producers: '1' }, swarmBoundsDefault, 50, 3);
    expect(alone.every((c) => c.config.producers === 1 && !JSON.stringify(c.scenario).includes('producer2'))).toBe(true);
    const both = sampleSwarm('blog', { producers: '2' }, swarmBoundsDefault, 50, 3);
    expect(both.every((c) => c.config.producers === 2 && c.overrides['producer2.publish_mode'] === c.overrides['producer.publish_mode'])).toBe(true);
    expect(both.filter((c) => c.scenario.messages.some((m) => m.by === 'producer2')).length).toBeGreaterThan(30);
  });

  it('explore --swarm: classes come from mixed-QoS, unwaited-publish and resumed-producer runs, each with the settings it ran', () => {
    const report = exploreSwarm({ preset: 'blog', base: {}, bounds: swarmBoundsDefault, runs: 600, seed: 5 });
    expect(report.runs).toBe(600);
    const drawn = report.classes.map((entry) => swarmCaseOf(entry));
    expect(drawn.every((c) => c !== undefined)).toBe(true);
    const found = drawn.filter((c): c is SwarmCase => c !== undefined);
    expect(found.some((c) => mixedQos(c.scenario))).toBe(true);
    expect(found.some((c) => c.config.producer.publish_mode === 'scheduled')).toBe(true);
    expect(found.some((c) => !c.config.producer.clean_session)).toBe(true);
    expect(found.some((c) => c.config.producers === 2 && c.scenario.messages.some((m) => m.by === 'producer2'))).toBe(true);
    expect(exploreSwarm({ preset: 'blog', base: {}, bounds: swarmBoundsDefault, runs: 600, seed: 5 }).classes.map((entry) => entry.signature.text)).toEqual(
      report.classes.map((entry) => entry.signature.text),
    );
  });
});
