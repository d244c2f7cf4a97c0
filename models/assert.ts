// Assertions document what a model expects; a state that cannot happen throws with the state
// in the message, so a model bug surfaces as a harness crash, never as a silent pass.

export class ModelInvariantError extends Error {
  override name = 'ModelInvariantError';
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new ModelInvariantError(typeof message === 'string' ? message : message());
  }
}

export function unreachable(value: never): never {
  throw new ModelInvariantError(`unreachable: ${JSON.stringify(value)}`);
}
