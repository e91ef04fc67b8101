// The fast path: a call of an eligible function runs first on the HTTP thread, in a fresh instance with pooled
// memory, on a short fuel slice. Finished within it, it is answered at once, exactly as a worker's result would be.
// Out of slice (or of the thread's stack, which is smaller than a worker's), the run is thrown away unseen (its
// output and log lines were only buffered) and the caller sends the call to the pool with its full limits.
//
// A call that finds an instance made ahead for its version (ready-instances.ts) runs in it instead of instantiating:
// after a hit, the next instance of that version is made once the answer is out, before the thread looks for more
// sockets, so a lone client's next call does not wait for it.
//
// Only what re-running cannot reveal runs here (abi/inline-eligibility.ts decides at deploy), and only what a slice
// bounds: a module without fuel metering, a memory cap above the pooled size (growing big memories costs V8
// garbage collections that fuel does not see) or a large request body goes to the pool directly.

import type { LiveFunction } from '../store/registry.js';
import type { LineLevels } from '../invocation/line.js';
import { failedOutcome, type InvokeOutcome, type WorkerResult } from './result-codec.js';
import { Executor } from './executor.js';
import { localJob, wireBytes, type JobInput } from './job-codec.js';
import { runJob, type RunnableModule } from './run-job.js';
import { functionFacts } from './protocol.js';
import { InlineBackoff } from './inline-backoff.js';
import { ReadyInstances } from './ready-instances.js';
import { sharedNow } from '../invocation/clock.js';

const PAGE = 65536;
/** Bodies up to this are tried inline; bigger ones cost more to copy than the hand-off saves. */
export const INLINE_MAX_BODY_BYTES = 64 * 1024;

export interface InlineOptions {
  /** Fuel of one slice; 0 turns the fast path off. */
  fuel: number;
  /** A function whose memory may grow past this runs in the pool; also the biggest memory kept for reuse. */
  maxMemoryBytes: number;
  /** Zeroed memories this thread keeps for reuse, as a worker does. */
  memoryPoolBytes: number;
  maxResponseBytes: number;
  lineLevels: LineLevels;
  /**
   * Whether `fn` is still the live version of its name: a call admitted before a deploy or a delete may end after
   * it, and no instance is made ahead for a version no call will ask for again.
   */
  isLive?: (fn: LiveFunction) => boolean;
}

/** What trying a call inline gave: its answer, or the fuel its thrown-away slice used (the call goes to the pool). */
export type InlineMiss = { hit: false; sliceFuel: number };
export type InlineAttempt = { hit: true; outcome: InvokeOutcome } | InlineMiss;

export class InlineRunner {
  private readonly executor: Executor;
  private readonly backoff = new InlineBackoff();
  private readonly entries = new WeakMap<LiveFunction, RunnableModule>();
  private readonly ready: ReadyInstances<LiveFunction>;
  /** Versions hit since the last refill, to make an instance for. */
  private readonly toMake: LiveFunction[] = [];
  private refillScheduled = false;
  private buf = Buffer.allocUnsafeSlow(16 * 1024);
  /** Calls answered on the HTTP thread, and calls whose slice was thrown away. */
  hits = 0;
  fallbacks = 0;
  /** Calls that ran in an instance made ahead of them. */
  readyUsed = 0;

  constructor(private readonly opts: InlineOptions) {
    this.executor = new Executor({ memoryPool: { maxBytes: opts.memoryPoolBytes, maxMemoryBytes: opts.maxMemoryBytes } });
    // As much again as the zeroed memories kept for reuse.
    this.ready = new ReadyInstances(opts.memoryPoolBytes);
  }

  /** Null when the call is not tried here (not eligible, or its version is backing off): send it to the pool. */
  attempt(fn: LiveFunction, input: JobInput): InlineAttempt | null {
    if (!this.eligible(fn, input) || !this.backoff.shouldTry(fn)) return null;
    const entry = this.entry(fn);
    const now = sharedNow();
    const n = wireBytes(input);
    if (n > this.buf.length) this.buf = Buffer.allocUnsafeSlow(Math.max(n, this.buf.length * 2));
    const ready = this.ready.take(fn);
    if (ready !== null) this.readyUsed++;
    const r = runJob(this.executor, this.opts, localJob(this.buf, now, input), entry, now, ready);
    if (this.outOfSlice(r, fn, entry)) {
      this.executor.recycle();
      this.backoff.miss(fn);
      this.fallbacks++;
      return { hit: false, sliceFuel: r.kind === 'error' ? r.stats.fuelUsed ?? 0 : 0 };
    }
    this.backoff.hit(fn);
    this.hits++;
    this.makeAheadLater(fn);
    return { hit: true, outcome: outcomeOf(r) };
  }

  /** Zeroes and pools the memory of the last hit; call once its answer is written. */
  recycle(): void {
    this.executor.recycle();
  }

  /**
   * Drops the instances made ahead for `name`'s versions that are no longer live (a deploy or a delete changed which
   * one is; all of them without `isLive`). The pool forgets a name again once its calls in flight have ended, which
   * keeps the live version's instance.
   */
  forget(name: string): void {
    const retired = (fn: LiveFunction) => fn.name === name && this.opts.isLive?.(fn) !== true;
    for (const r of this.ready.drop(retired)) this.executor.discard(r);
  }

  /** Versions holding an instance made ahead. */
  get readyInstances(): number {
    return this.ready.size;
  }

  /** Bytes of the memories those instances hold. */
  get readyBytes(): number {
    return this.ready.bytes;
  }

  /** In a setImmediate: after the answers of this turn of the event loop are written, before its next poll. */
  private makeAheadLater(fn: LiveFunction): void {
    if (!this.ready.wanted(fn)) return;
    this.toMake.push(fn);
    if (this.refillScheduled) return;
    this.refillScheduled = true;
    setImmediate(this.refill);
  }

  private readonly refill = (): void => {
    this.refillScheduled = false;
    for (const fn of this.toMake) {
      // A version hit twice in the turn is listed twice; one backing off or retired since would waste the instance.
      if (this.backoff.backingOff(fn) || !this.ready.lacks(fn) || this.opts.isLive?.(fn) === false) continue;
      const e = this.entry(fn);
      let r;
      try {
        r = this.executor.makeReady({ module: e.module, abi: e.abi, memory: e.memory, fuel: e.fuelBudget });
      } catch {
        // The host could not make it now (out of memory): the call after will instantiate as it would have anyway.
        continue;
      }
      if (r === null) this.ready.refuse(fn);
      else for (const dropped of this.ready.put(fn, r)) this.executor.discard(dropped);
    }
    this.toMake.length = 0;
  };

  /** Bytes of the zeroed memories kept for reuse. */
  get pooledMemoryBytes(): number {
    return this.executor.memories.bytes;
  }

  /** True while calls of `fn`'s version skip the fast path after repeated misses. */
  backingOff(fn: LiveFunction): boolean {
    return this.backoff.backingOff(fn);
  }

  private eligible(fn: LiveFunction, input: JobInput): boolean {
    if (this.opts.fuel <= 0 || fn.meta.inline !== true || !fn.fuelInstrumented) return false;
    if (input.body.byteLength > INLINE_MAX_BODY_BYTES) return false;
    return fn.memory === null || fn.memory.maximumPages * PAGE <= this.opts.maxMemoryBytes;
  }

  /** The run says nothing about the call: its own budget would have gone further, or a worker's deeper stack might. */
  private outOfSlice(r: WorkerResult, fn: LiveFunction, entry: RunnableModule): boolean {
    if (r.kind !== 'error') return false;
    if (r.error.code === 'fuel_exhausted') return BigInt(fn.limits.fuel) > entry.fuelBudget!;
    return r.error.code === 'trap' && r.error.message === 'stack overflow';
  }

  private entry(fn: LiveFunction): RunnableModule {
    let e = this.entries.get(fn);
    if (!e) {
      const fuel = Math.min(fn.limits.fuel, this.opts.fuel);
      e = { module: fn.module, abi: fn.abi, memory: fn.memory, fuelBudget: BigInt(fuel), fn: functionFacts(fn) };
      this.entries.set(fn, e);
    }
    return e;
  }
}

/** A result as the pool would have decoded it; body and line are copied out of buffers the next run reuses. */
function outcomeOf(r: WorkerResult): InvokeOutcome {
  if (r.kind === 'missing') throw new Error('an inline run has no module to miss');
  const s = r.stats;
  const line = s.line === null ? null : Buffer.from(s.line);
  if (r.kind === 'ok') {
    const headers: string[] = new Array(r.headers.length * 2);
    for (let i = 0; i < r.headers.length; i++) {
      headers[2 * i] = r.headers[i]![0];
      headers[2 * i + 1] = r.headers[i]![1];
    }
    return {
      ok: true, status: r.status, headers, body: Buffer.from(r.body), queueMs: s.queueMs, instantiateMs: s.instantiateMs, runMs: s.runMs,
      fuelUsed: s.fuelUsed, peakPages: s.peakPages, logs: s.logs, totalMs: s.totalMs, line,
    };
  }
  return failedOutcome(r.error, { ...s, line }, r.trapStack);
}

/** A pool outcome of a call whose slice was thrown away: the slice's fuel counted in, the line formatted again with it. */
export function afterSlice(out: InvokeOutcome, sliceFuel: number): InvokeOutcome {
  if (out.fuelUsed !== null) out.fuelUsed += sliceFuel;
  out.line = null;
  return out;
}
