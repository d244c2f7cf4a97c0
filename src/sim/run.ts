// One run: build the nodes a configuration names and let the world play the scenario.
import { createBroker } from '../../models/broker.ts';
import type { Config } from '../../models/config.ts';
import { createConsumer } from '../../models/consumer.ts';
import type { NodeModel } from '../../models/node.ts';
import { createProducer } from '../../models/producer.ts';
import type { Scenario } from '../../models/scenario.ts';
import type { Chooser } from './chooser.ts';
import { ExhaustiveWorld } from './exhaustive-world.ts';
import { TimedWorld } from './timed-world.ts';
import type { RunOptions, RunResult, WorldNodes } from './world.ts';

/** Models are pure (models/node.ts): one set per configuration serves every run of it. */
const nodesByConfig = new WeakMap<Config, WorldNodes>();

export function nodesFor(config: Config): WorldNodes {
  let nodes = nodesByConfig.get(config);
  if (nodes === undefined) {
    nodes = createNodes(config);
    nodesByConfig.set(config, nodes);
  }
  return nodes;
}

function createNodes(config: Config): WorldNodes {
  // The world handles every node alike; each model keeps its own state type behind this view.
  return {
    broker: createBroker(config.broker) as unknown as NodeModel<unknown>,
    producer: createProducer(config) as unknown as NodeModel<unknown>,
    consumer: createConsumer(config) as unknown as NodeModel<unknown>,
    // The second producer is the same client model under its own settings and node name.
    ...(config.producers === 2 ? { producer2: createProducer({ ...config, producer: config.producer2 }, 'producer2') as unknown as NodeModel<unknown> } : {}),
  };
}

export function runScenario(config: Config, scenario: Scenario, chooser: Chooser, options: RunOptions = {}): RunResult {
  if (options.mode === 'exhaustive') {
    return new ExhaustiveWorld(config, scenario, nodesFor(config), chooser, options.log === undefined ? {} : { log: options.log }).run();
  }
  return new TimedWorld(config, scenario, nodesFor(config), chooser, options).run();
}
