// The one clock every thread of the process shares, for the timings of an invocation as it crosses threads.

/** Milliseconds on a clock every thread of the process shares (performance.now() alone is per thread). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}
