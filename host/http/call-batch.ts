// Calls that arrive in one turn of the event loop run together, once that turn's I/O is read. Node parses every
// request that came in during the turn first (the route only queues the call here), then the calls run back to
// back, each answered as soon as it has run. Between HTTP requests a wasm call costs far more than the same call
// back to back, with its instantiation most: the HTTP code and the sandbox's code and data evict each other from
// the CPU's caches. Run together, each pays that once per turn instead of once per request (docs/benchmarks.md).

/** Queued calls, run in a setImmediate: after this turn's I/O callbacks, before the loop waits for I/O again. */
export class CallBatch<T> {
  private queued: T[] = [];

  /**
   * `run` answers one call and should not throw (a throw is handed to `failed`, and the rest still run); `after`
   * runs once each batch has run (the pool's wake-up of workers given jobs by it).
   */
  constructor(
    private readonly runCall: (call: T) => void,
    private readonly failed: (call: T, e: unknown) => void,
    private readonly after: () => void,
  ) {}

  add(call: T): void {
    this.queued.push(call);
    if (this.queued.length === 1) setImmediate(this.flush);
  }

  /** Runs one call now, outside any batch (one with nothing to run with), as a batch would run it. */
  run(call: T): void {
    this.one(call);
    this.after();
  }

  private one(call: T): void {
    try {
      this.runCall(call);
    } catch (e) {
      try {
        this.failed(call, e);
      } catch {
        // The failure handler's own last resort failed too (it logs and cuts the connection): the calls after
        // this one still hold slots and clients, and an exception out of a setImmediate would end the host.
      }
    }
  }

  private readonly flush = (): void => {
    const calls = this.queued;
    this.queued = [];
    for (let i = 0; i < calls.length; i++) this.one(calls[i]!);
    this.after();
  };
}
