// How busy the current thread's event loop has been lately, read cheaply on every call.

import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * The fast path runs a call on the HTTP thread, which serves every socket too. While that thread has time to
 * spare, running the call here saves a hand-off; once it is busy, a worker on another core may do the call for
 * less than it costs this thread, so calls are handed off where that is measured to be so (hand-off-choice.ts), and
 * unless calls already wait for the workers (then the backlog would cost more than this thread does).
 */
export class ThreadLoad {
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  private lastAt = performance.now();
  private utilization = 0;

  private readonly busyAbove: number;

  constructor(busyPercent = 75, private readonly windowMs = 10) {
    // At 100 the thread never counts as busy (utilization cannot exceed 1).
    this.busyAbove = busyPercent / 100;
  }

  busy(): boolean {
    const now = performance.now();
    if (now - this.lastAt >= this.windowMs) {
      const current = performance.eventLoopUtilization();
      this.utilization = performance.eventLoopUtilization(current, this.last).utilization;
      this.last = current;
      this.lastAt = now;
    }
    return this.utilization > this.busyAbove;
  }
}
