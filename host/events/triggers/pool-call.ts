// One call of a function for a message: through the pool as /fn's calls go (the fast path first where eligible);
// refused for lack of room (the function's concurrency cap, the host's queue) it waits for a call to finish and
// tries again instead of failing: a message waits, it is not an HTTP client to be told to come back.

import { WasmfnError } from '../../errors.js';
import type { LiveFunction } from '../../store/registry.js';
import type { WorkerPool, InvokeOutcome } from '../../sandbox/pool.js';
import type { JobInput } from '../../sandbox/job-codec.js';
import { afterSlice } from '../../sandbox/inline-runner.js';
import { failedOutcome } from '../../sandbox/result-codec.js';

export async function callWaitingForRoom(pool: WorkerPool, fn: LiveFunction, input: JobInput): Promise<InvokeOutcome> {
  let sliceFuel = 0;
  for (;;) {
    const first = pool.tryInline(fn, input);
    if (first?.hit) {
      pool.inline!.recycle();
      return first.outcome;
    }
    if (first) sliceFuel += first.sliceFuel;
    try {
      const out = await pool.invoke(fn, input);
      return sliceFuel ? afterSlice(out, sliceFuel) : out;
    } catch (e) {
      if (e instanceof WasmfnError && e.code === 'overloaded' && !pool.closing) {
        await pool.nextDone();
        continue;
      }
      const err = e instanceof WasmfnError ? e : new WasmfnError('internal', 'the call could not be run');
      return failedOutcome(err.toJSON());
    }
  }
}
