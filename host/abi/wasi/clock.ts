// WASI clocks and sleeping: wall time, monotonic time, per-request "CPU" time, and a blocking sleep.

import { CLOCK } from './defs.js';

/** One cell to wait on; nothing ever notifies it, so Atomics.wait is a plain sleep. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Now on clock `id` in nanoseconds, or null for an unknown clock. `startNs` is the request's monotonic start. */
export function clockNow(id: number, startNs: bigint): bigint | null {
  switch (id) {
    case CLOCK.REALTIME:
      // The system clock, to the millisecond. timeOrigin + performance.now() would give µs, but it is fixed when
      // the worker starts and runs on the monotonic clock, so a worker living for days would miss every clock
      // step (NTP, a VM resumed) and hand guests a wrong date.
      return BigInt(Date.now()) * 1_000_000n;
    case CLOCK.MONOTONIC:
      return process.hrtime.bigint();
    case CLOCK.PROCESS_CPUTIME:
    case CLOCK.THREAD_CPUTIME:
      // The guest is the only thing this thread runs during the request, so elapsed time stands in for CPU time.
      return process.hrtime.bigint() - startNs;
    default:
      return null;
  }
}

export function clockResolution(id: number): bigint | null {
  if (id === CLOCK.REALTIME) return 1_000_000n;
  if (id === CLOCK.MONOTONIC || id === CLOCK.PROCESS_CPUTIME || id === CLOCK.THREAD_CPUTIME) return 1n;
  return null;
}

/**
 * Blocks the thread. Bounded by the sandbox: on its wall-clock timeout the worker is terminated, and
 * terminate() interrupts Atomics.wait.
 */
export function sleepNs(ns: bigint): void {
  if (ns <= 0n) return;
  Atomics.wait(sleepCell, 0, 0, Number(ns) / 1e6);
}
