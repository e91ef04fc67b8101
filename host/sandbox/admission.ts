// Which calls the pool takes: a cap on each function's calls in flight, a host-wide cap on calls waiting for a
// worker, and calls admitted before their bodies are read (so a refusal costs no upload). A refusal is an
// `overloaded` error with a retry hint, before anything of the call is held.

import { WasmfnError } from '../errors.js';
import type { FairQueue, Lane, LaneJob } from './fair-queue.js';

export interface AdmissionLimits {
  maxQueue: number;
  maxConcurrencyPerFunction: number;
}

export function shuttingDown(): WasmfnError {
  return new WasmfnError('overloaded', 'the host is shutting down', { retryAfterS: 1 });
}

export class Admission<J extends LaneJob<J>> {
  /** Set once the pool shuts down: every call is refused from then on. */
  closed = false;
  /** Calls admitted by reserve() whose bodies are still being read. */
  private reserved = 0;
  private doneWaiters: (() => void)[] = [];

  /**
   * `freeSlots`: slots a job could take now, all workers together. `idle`: the last call of a function in flight
   * is over.
   */
  constructor(
    private readonly queue: FairQueue<J>,
    private readonly limits: AdmissionLimits,
    private readonly freeSlots: () => number,
    private readonly idle: (name: string) => void,
  ) {}

  /** Whether `name` has as many calls in flight as it may. */
  atCap(name: string): boolean {
    return (this.queue.busy(name)?.inFlight ?? 0) >= this.limits.maxConcurrencyPerFunction;
  }

  /** Takes a call of `name` in, or throws why not. */
  admit(name: string): void {
    if (this.closed) throw shuttingDown();
    const count = this.queue.busy(name)?.inFlight ?? 0;
    if (count >= this.limits.maxConcurrencyPerFunction) {
      throw new WasmfnError('overloaded', `function "${name}" has ${count} requests in flight, its limit`, { retryAfterS: 1 });
    }
    // Only a request no slot can take waits in the queue, so with maxQueue 0 one that finds a free slot still runs.
    // Calls still reading their bodies take no slot yet: a free slot is there for the first of them only.
    const waiting = this.queue.length + this.reserved;
    if (waiting >= this.limits.maxQueue && (this.queue.length > 0 || waiting >= this.limits.maxQueue + this.freeSlots())) {
      throw new WasmfnError('overloaded', `${waiting} requests are already waiting for a worker`, { retryAfterS: 1 });
    }
    this.queue.lane(name).inFlight++;
  }

  /** Admits a call whose body is still to be read: it counts as waiting until unreserve(). */
  reserve(name: string): void {
    this.admit(name);
    this.reserved++;
  }

  /** The reserved call's body is in (it runs now) or failed (then done() follows). */
  unreserve(): void {
    this.reserved--;
  }

  /** One call of the lane's function is over (answered, or its reservation given back). */
  done(lane: Lane<J>): void {
    if (this.doneWaiters.length) {
      const waiters = this.doneWaiters;
      this.doneWaiters = [];
      for (const w of waiters) w();
    }
    if (--lane.inFlight === 0) this.idle(lane.name);
  }

  /** Resolves when the next call finishes, anywhere in the pool. */
  nextDone(): Promise<void> {
    return new Promise((resolve) => this.doneWaiters.push(resolve));
  }
}
