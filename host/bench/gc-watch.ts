// Counts garbage collections per measuring window, so GC pauses show up next to the figures they disturb.

import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export class GcWatch {
  private readonly entries: { start: number; durationMs: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) this.entries.push({ start: e.startTime, durationMs: e.duration });
  });

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** GCs that started inside any of the windows ([start, end] in performance.now() time). */
  within(windows: [number, number][]): { count: number; totalMs: number } {
    let count = 0;
    let totalMs = 0;
    for (const e of this.entries) {
      if (windows.some(([a, b]) => e.start >= a && e.start <= b)) {
        count++;
        totalMs += e.durationMs;
      }
    }
    return { count, totalMs: Math.round(totalMs * 1000) / 1000 };
  }

  stop(): void {
    // Entries are delivered asynchronously; take what is buffered before disconnecting.
    for (const e of this.observer.takeRecords() as PerformanceEntry[]) this.entries.push({ start: e.startTime, durationMs: e.duration });
    this.observer.disconnect();
  }
}
