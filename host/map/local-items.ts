// Items run in this host's pool, as /fn's calls are (the fast path first where eligible), each recorded as an
// invocation with trigger "map". An item the function's concurrency cap or the host's queue refuses waits for a
// call to finish and tries again, instead of failing.

import { WasmfnError } from '../errors.js';
import type { LiveFunction } from '../store/registry.js';
import type { WorkerPool, InvokeOutcome } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import { afterSlice } from '../sandbox/inline-runner.js';
import { triggeredRecord } from '../events/triggers/trigger-record.js';
import type { ItemRunner, Pending, Settle } from './map-item-runner.js';

export class LocalItems implements ItemRunner {
  /** Items refused for lack of room, in order, waiting for any call to finish. */
  private parked: Pending[] = [];
  private waitingForRoom = false;
  private cancelled = false;

  constructor(
    private readonly pool: WorkerPool,
    private readonly sink: InvocationSink,
    private readonly fn: LiveFunction,
    private readonly settle: Settle,
    /** Told when parked items are run again (the map takes more lines then). */
    private readonly onRoom: () => void = () => undefined,
  ) {}

  /** True while items wait for room: the map starts no further item meanwhile. */
  get waiting(): boolean {
    return this.waitingForRoom;
  }

  submit(p: Pending): void {
    const { pool } = this;
    const first = pool.tryInline(this.fn, p.input);
    if (first?.hit) {
      try {
        this.done(p, first.outcome);
      } finally {
        pool.inline!.recycle();
      }
      return;
    }
    if (first) p.sliceFuel += first.sliceFuel;
    let run: Promise<InvokeOutcome>;
    try {
      run = pool.invoke(this.fn, p.input);
    } catch (e) {
      if (e instanceof WasmfnError && e.code === 'overloaded' && !pool.closing) return this.park(p);
      const err = e instanceof WasmfnError ? e : new WasmfnError('internal', 'the item could not be run');
      return this.settle(p, { ok: false, error: err.toJSON() });
    }
    run.then(
      (out) => this.done(p, p.sliceFuel ? afterSlice(out, p.sliceFuel) : out),
      () => this.settle(p, { ok: false, error: { code: 'internal', message: 'the item could not be run' } }),
    );
  }

  flush(): void {}

  cancel(): void {
    this.cancelled = true;
    this.parked = [];
  }

  private done(p: Pending, out: InvokeOutcome): void {
    this.sink.record(triggeredRecord('map', this.fn, p.input, out));
    this.settle(p, out);
  }

  private park(p: Pending): void {
    this.parked.push(p);
    if (this.waitingForRoom) return;
    this.waitingForRoom = true;
    void this.pool.nextDone().then(() => {
      this.waitingForRoom = false;
      if (this.cancelled) return;
      const parked = this.parked;
      this.parked = [];
      // A run refused again parks again (and waits for the next call to finish).
      for (const q of parked) this.submit(q);
      this.onRoom();
    });
  }
}
