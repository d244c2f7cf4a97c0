// Bad input ends a command with one line naming the problem and exit code 2.
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Each code means one thing (README, "Exit codes"); when several apply, the lower line wins: 5, 2, 3, 1, 4, 0. */
export const exitCodes = {
  /** The run was conclusive and nothing was violated (or a replay reproduced). */
  ok: 0,
  /** Violations found (or a replay diverged). */
  violations: 1,
  /** Bad input, found before any work was done. */
  badInput: 2,
  /** check-broker: the model and the real broker disagree, or a real run failed. */
  disagreement: 3,
  /** Nothing violated, but more than a small share of the runs was cut by a bound: no verdict. */
  inconclusive: 4,
  /** An unexpected error (a bug): one line on stderr, the stack with MQTT_DST_DEBUG=1. */
  unexpected: 5,
  /** Ctrl-C (SIGINT) ended the command: what it had found is reported, but it is no result. */
  interrupted: 130,
} as const;
