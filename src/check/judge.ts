// Judges a run: the properties over its history, with the context the configuration gives.
import type { Config } from '../../models/config.ts';
import type { History } from '../../models/history.ts';
import { producersOf } from '../../models/scenario.ts';
import { checkAll } from '../../properties/index.ts';
import type { PropertyContext, PropertyName, Violation } from '../../properties/types.ts';

export function propertyContext(config: Config): PropertyContext {
  return {
    producers: producersOf(config),
    consumers: [{ name: 'consumer', persistent: !config.consumer.clean_session }],
  };
}

export function judge(history: History, config: Config, properties?: readonly PropertyName[]): Violation[] {
  return checkAll(history, propertyContext(config), properties);
}
