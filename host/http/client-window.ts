// Whether the HTTP thread serves one client or several right now, for the fast path's busy gate.

const SEEN = Symbol('wasmfn.clientWindow');

/**
 * A busy HTTP thread hands calls to the workers so that other sockets are not kept waiting. One client sending
 * request after request keeps the thread just as busy, yet nothing waits behind its calls: handing them off would
 * only add two thread wake-ups to each. This counts the distinct connections that sent a call in the current and
 * the previous window; with only one, the gate stays open.
 */
export class ClientWindow {
  private epoch = 0;
  private startedAt = 0;
  private current = 0;
  private previous = 0;

  /** `clock`: milliseconds, monotonic; tests pass their own to step through windows. */
  constructor(private readonly windowMs = 10, private readonly clock: () => number = () => performance.now()) {}

  /** Counts the call's connection; true while more than one connection sent calls lately. */
  contended(socket: object): boolean {
    const now = this.clock();
    if (now - this.startedAt >= this.windowMs) {
      // A window without calls in between says nothing of the one before it.
      this.previous = now - this.startedAt < 2 * this.windowMs ? this.current : 0;
      this.current = 0;
      this.epoch++;
      this.startedAt = now;
    }
    const s = socket as { [SEEN]?: number };
    if (s[SEEN] !== this.epoch) {
      s[SEEN] = this.epoch;
      this.current++;
    }
    return this.current > 1 || this.previous > 1;
  }
}
