// How long this process's event loop stood still during a real run. The clients' timers see
// their own lateness (ModelClient reports it), but not a stall that falls while none of them is
// due: an embedded broker (aedes runs in this process) and the proxies then stop answering too,
// and the packets that arrived meanwhile are handled afterwards in one burst, in an order the
// model's latencies need not allow. A loaded machine that does not schedule the process, or
// synchronous work of another scenario run at the same time, both do it.
//
// The meter keeps a timer of its own due every millisecond and records the longest gap between
// two of its turns (and from the last turn to the reading): any stall longer than that period
// shows, whether or not the harness had a timer of its own pending. (perf_hooks'
// monitorEventLoopDelay does not do here: its first sample after reset() or enable() only sets
// its reference, so a stall right after the window opens goes unrecorded.)

/** The meter's own period: a stall is seen to within this. */
const periodMs = 1;

export class LoopStallMeter {
  #lastTurnMs = 0;
  #gapMsMax = 0;
  #handle: NodeJS.Timeout | undefined;

  /** Starts measuring, or forgets what was measured so far: the window starts now. */
  restart(): void {
    this.#lastTurnMs = performance.now();
    this.#gapMsMax = 0;
    if (this.#handle === undefined) this.#arm();
  }

  /** Stops measuring; the longest stall of the window, in ms (0.1 ms steps), the meter's own period taken off; 0 if it never started. */
  stop(): number {
    if (this.#handle === undefined) return this.#stallMs();
    clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#turn();
    return this.#stallMs();
  }

  #stallMs(): number {
    return Math.max(0, Math.round((this.#gapMsMax - periodMs) * 10) / 10);
  }

  #arm(): void {
    this.#handle = setTimeout(() => {
      this.#turn();
      this.#arm();
    }, periodMs);
    // It measures the run; it must never be what keeps the process alive.
    this.#handle.unref();
  }

  #turn(): void {
    const nowMs = performance.now();
    this.#gapMsMax = Math.max(this.#gapMsMax, nowMs - this.#lastTurnMs);
    this.#lastTurnMs = nowMs;
  }
}
