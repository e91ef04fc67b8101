// Per function version: should the next call be tried on the HTTP thread? One that keeps running out of the slice
// stops being tried, and is tried again after a growing number of calls, so a heavy function wastes a slice only
// now and then while one that became light (or was unlucky) gets back to the fast path.

/** Consecutive misses after which calls skip the fast path. */
export const MISSES_BEFORE_BACKOFF = 3;
/** Calls skipped after the first backoff; doubles on each miss of a retry, up to MAX_SKIP. */
const FIRST_SKIP = 16;
const MAX_SKIP = 1024;

interface State {
  misses: number;
  /** Calls still to send straight to the pool. */
  skip: number;
  /** The last backoff length. */
  backoff: number;
}

export class InlineBackoff {
  /** Keyed by the live function object: a new version starts afresh, an old one's state goes with it. */
  private readonly states = new WeakMap<object, State>();

  shouldTry(version: object): boolean {
    const s = this.states.get(version);
    if (!s || s.skip === 0) return true;
    s.skip--;
    return false;
  }

  hit(version: object): void {
    this.states.delete(version);
  }

  miss(version: object): void {
    let s = this.states.get(version);
    if (!s) this.states.set(version, (s = { misses: 0, skip: 0, backoff: 0 }));
    s.misses++;
    if (s.misses < MISSES_BEFORE_BACKOFF) return;
    s.backoff = s.backoff === 0 ? FIRST_SKIP : Math.min(MAX_SKIP, s.backoff * 2);
    s.skip = s.backoff;
  }

  /** True while calls of `version` skip the fast path. */
  backingOff(version: object): boolean {
    return (this.states.get(version)?.skip ?? 0) > 0;
  }
}
