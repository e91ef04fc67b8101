// Whether a busy HTTP thread hands eligible calls to the workers or keeps them: measured, not assumed. A hand-off
// frees this thread from the call but costs it the publishing, a worker's wake-up and the result's collection; for
// a short call on a machine where waking a thread is dear, that costs this thread as much as running the call. The
// thread's own CPU time per call decides, all of its work counted (HTTP, garbage collection), taken in windows: after
// every PROBE_EVERY windows the chosen way, one window goes the other way. Handing off is chosen only while it clearly
// saves this thread time: where it saves little, it only adds the wake-ups' latency and the workers' CPU time
// (measured in docs/benchmarks.md).

import { performance } from 'node:perf_hooks';
import type { ThreadClock } from './thread-clock.js';

export type HandOffMode = 'share' | 'keep';

export interface HandOffChoiceOptions {
  /** Long against the thread clock's steps (scheduler ticks while the thread runs). Default 200. */
  windowMs?: number;
  /** Windows the chosen way between two probes. Default 10. */
  probeEvery?: number;
  /** Milliseconds, for the windows; performance.now by default. */
  now?: () => number;
}

/** A window with fewer calls says too little to compare. */
const MIN_CALLS = 50;
/** Nor does one where hardly any call met a busy thread: both ways run the calls alike then. */
const MIN_ASKED = 10;
/**
 * Handing off must save this thread this share of its CPU time per call to be chosen, and keep saving a little to
 * stay chosen: where both ways cost it alike, keeping the calls saves the wake-ups' latency and the workers' time.
 */
const SHARE_BELOW = 0.85;
const STAY_SHARING_BELOW = 0.9;
/** Weight of a new window in the chosen way's running cost: one window's noise moves it little. */
const WEIGHT = 0.25;
/** Probes in a row that must favour the other way before it is chosen. */
const PROBES_TO_SWITCH = 2;

/** The way a probe favours, from this thread's CPU time per call the chosen way and the other way. */
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
  private windowAt: number;
  private windowNs = 0;
  private calls = 0;
  /** Calls of the window that met a busy thread. */
  private asked = 0;
  private windowsSinceProbe = 0;
  /** Probes in a row that favoured the other way. */
  private against = 0;
  /** Running CPU ns per call of the full windows that went the chosen way; NaN before one. */
  private chosenNsPerCall = NaN;
  private readonly windowMs: number;
  private readonly probeEvery: number;
  private readonly now: () => number;

  /** Without a thread clock the choice never moves from 'share'. */
  constructor(private clock: ThreadClock | null, opts: HandOffChoiceOptions = {}) {
    this.windowMs = opts.windowMs ?? 200;
    this.probeEvery = opts.probeEvery ?? 10;
    this.now = opts.now ?? (() => performance.now());
    this.windowAt = this.now();
    if (clock) this.windowNs = clock.ns();
  }

  /**
   * Counts a call that may run on this thread, whether or not it meets a busy one: all of them share its time, and
   * under load some go by the busy gate without asking (while calls already wait for the workers).
   */
  counted(): void {
    if (this.clock === null) return;
    const now = this.now();
    if (now - this.windowAt >= this.windowMs) this.nextWindow(now);
    this.calls++;
  }

  /** For a call that meets a busy thread: true hands it off. */
  share(): boolean {
    this.asked++;
    return this.windowMode === 'share';
  }

  close(): void {
    this.clock?.close();
    this.clock = null;
    this.windowMode = this.chosen = 'share';
  }

  private nextWindow(now: number): void {
    const ns = this.clock!.ns();
    const perCall = (ns - this.windowNs) / this.calls;
    // A window that spans a quiet spell, where the thread was hardly busy, or that the clock did not see, says little.
    const full = this.calls >= MIN_CALLS && this.asked >= MIN_ASKED && now - this.windowAt < 2 * this.windowMs && perCall > 0 && Number.isFinite(perCall);
    const probe = this.windowMode !== this.chosen;
    if (full && !probe) {
      this.chosenNsPerCall = Number.isNaN(this.chosenNsPerCall) ? perCall : this.chosenNsPerCall + (perCall - this.chosenNsPerCall) * WEIGHT;
    } else if (full && probe) {
      this.against = afterProbe(this.chosen, this.chosenNsPerCall, perCall) === this.chosen ? 0 : this.against + 1;
      if (this.against >= PROBES_TO_SWITCH) {
        this.chosen = this.windowMode;
        this.switches++;
        this.against = 0;
        this.chosenNsPerCall = perCall;
      }
    }
    // A probe that said nothing (not full) is taken again after the next chosen window.
    if (probe) this.windowsSinceProbe = full ? 0 : this.probeEvery - 1;
    else if (full) this.windowsSinceProbe++;
    this.windowMode = this.windowsSinceProbe >= this.probeEvery && !Number.isNaN(this.chosenNsPerCall) ? other(this.chosen) : this.chosen;
    this.windowAt = now;
    this.windowNs = ns;
    this.calls = 0;
    this.asked = 0;
  }
}
