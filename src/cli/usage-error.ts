// Bad input ends a command with one line naming the problem and exit code 2.
export class UsageError extends Error {
  override name = 'UsageError';
}

export const exitCodes = {
  ok: 0,
  violations: 1,
  badInput: 2,
  disagreement: 3,
  /** Ctrl-C (SIGINT) ended the command: what it had found is reported, but it is no result. */
  interrupted: 130,
} as const;
