// Whether a busy HTTP thread hands eligible calls to the workers or keeps them: measured, not assumed. A hand-off
// frees this thread from the call but costs it the publishing, a worker's wake-up and the result's collection; for
// a short call on a machine where waking a thread is dear, that costs this thread as much as running the call. The
// thread's own CPU time per call decides, taken in windows: most windows go the chosen way, one in PROBE_EVERY the
// other way. Handing off is chosen only while it clearly saves this thread time: where it saves none, it only adds
// the wake-ups' latency and the workers' CPU time (measured in docs/benchmarks.md).

import { performance } from 'node:perf_hooks';
import type { ThreadClock } from './thread-clock.js';

export type HandOffMode = 'share' | 'keep';

/** Long against the kernel's count, which moves in scheduler ticks while the thread runs. */
const WINDOW_MS = 200;
const PROBE_EVERY = 10;
/** A window with fewer calls says too little to compare. */
const MIN_CALLS = 50;
/** Nor does one where few calls met a busy thread: both ways run them alike then. */
const MIN_ASKED_SHARE = 0.25;
/**
 * Handing off must save this thread this much per call to be chosen, and keep saving a little to stay chosen: where
 * both ways cost this thread alike, keeping the call saves the wake-ups' latency and the workers' CPU time.
 */
const SHARE_BELOW = 0.85;
const STAY_SHARING_BELOW = 0.9;

/** The choice after a probe, from this thread's CPU time per call the chosen way and the other way. */
export function afterProbe(chosen: HandOffMode, chosenNsPerCall: number, probeNsPerCall: number): HandOffMode {
  const [shareNs, keepNs] = chosen === 'share' ? [chosenNsPerCall, probeNsPerCall] : [probeNsPerCall, chosenNsPerCall];
  return shareNs < keepNs * (chosen === 'share' ? STAY_SHARING_BELOW : SHARE_BELOW) ? 'share' : 'keep';
}

const other = (m: HandOffMode): HandOffMode => (m === 'share' ? 'keep' : 'share');

export class HandOffChoice {
  /** The way most windows go; starts as the design assumes (workers take calls off a busy thread). */
  chosen: HandOffMode = 'share';
  /** Times the choice changed. */
  switches = 0;
  private windowMode: HandOffMode = 'share';
  private windowAt = performance.now();
  private windowNs: number;
  private calls = 0;
  /** Calls of the window that met a busy thread. */
  private asked = 0;
  private windowsSinceProbe = 0;
  /** CPU ns per call of the last full window that went the chosen way; NaN before one. */
  private chosenNsPerCall = NaN;

  /** Without a thread clock the choice never moves from 'share'. */
  constructor(private readonly clock: ThreadClock | null) {
    this.windowNs = clock?.ns() ?? 0;
  }

  /**
   * Counts a call that may run on this thread, whether or not it meets a busy one: all of them share its time, and
   * under load some go by the busy gate without asking (while calls already wait for the workers).
   */
  counted(): void {
    if (this.clock === null) return;
    this.calls++;
    const now = performance.now();
    if (now - this.windowAt >= WINDOW_MS) this.nextWindow(now);
  }

  /** For a call that meets a busy thread: true hands it off. */
  share(): boolean {
    this.asked++;
    return this.windowMode === 'share';
  }

  close(): void {
    this.clock?.close();
  }

  private nextWindow(now: number): void {
    const ns = this.clock!.ns();
    // A window that spans a quiet spell, or where the thread was mostly not busy, says little about either way.
    const full = this.calls >= MIN_CALLS && this.asked >= this.calls * MIN_ASKED_SHARE && now - this.windowAt < 2 * WINDOW_MS;
    const perCall = (ns - this.windowNs) / this.calls;
    if (full) {
      if (this.windowMode === this.chosen) this.chosenNsPerCall = perCall;
      else if (!Number.isNaN(this.chosenNsPerCall)) {
        const next = afterProbe(this.chosen, this.chosenNsPerCall, perCall);
        if (next !== this.chosen) {
          this.chosen = next;
          this.switches++;
          this.chosenNsPerCall = perCall;
        }
      }
    }
    this.windowsSinceProbe = this.windowMode !== this.chosen ? 0 : this.windowsSinceProbe + (full ? 1 : 0);
    this.windowMode = this.windowsSinceProbe >= PROBE_EVERY && !Number.isNaN(this.chosenNsPerCall) ? other(this.chosen) : this.chosen;
    this.windowAt = now;
    this.windowNs = ns;
    this.calls = 0;
    this.asked = 0;
  }
}
