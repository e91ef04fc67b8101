// One timer for all wall-clock deadlines of a pool: armed for the earliest moment something could be due, so a
// request costs no timer of its own.

import { sharedNow } from '../invocation/clock.js';

export class Watchdog {
  private timer: NodeJS.Timeout | null = null;
  private at = Infinity;

  /** `check(now)` acts on whatever is due and returns when to look next (sharedNow clock), or Infinity. */
  constructor(private readonly check: (now: number) => number) {}

  /** Makes sure a check happens no later than `at`. */
  poke(at: number): void {
    if (at < this.at) this.arm(at);
  }

  stop(): void {
    this.arm(Infinity);
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.at = at;
    if (at === Infinity) return;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - sharedNow())));
    // Deadlines matter only while the host serves; they must not keep a finished process alive.
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.at = Infinity;
    // check() may dispatch jobs, which poke() on their own; the earlier of the two wins.
    const next = this.check(sharedNow());
    if (next < this.at) this.arm(next);
  };
}
