// The inconclusive verdict (DESIGN §3): a run cut by a bound — events, healing time, a
// wall-clock cap, the search depth, the resend bound — is neither a violation nor a pass. Every
// command counts such runs apart; when they are more than a small share of what it ran, its
// "nothing violated" says nothing, and the command says so on stderr and exits with a code of
// its own (exitCodes.inconclusive).

/** The share of runs (or states) that may be cut by a bound before a clean result is inconclusive. */
export const inconclusiveShareMax = 0.01;

/** Whether `cut` of `total` is more than the small share a result can carry. */
export function tooInconclusive(cut: number, total: number): boolean {
  return cut > 0 && (total === 0 || cut / total > inconclusiveShareMax);
}

/** One line for stderr: how many were cut, by what, and what to raise. */
export function inconclusiveLine(command: string, cut: number, total: number, what: string, remedy: string): string {
  const percent = total === 0 ? 100 : (100 * cut) / total;
  return `mqtt-dst: ${command}: inconclusive: ${cut} of ${total} ${what} (${percent < 0.1 ? '<0.1' : percent.toFixed(1)}%) were cut by a bound and not judged; ${remedy}\n`;
}
