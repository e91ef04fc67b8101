// The durable queue of asynchronous invocations: one interface, an embedded (SQLite) and a cluster (JetStream)
// implementation. Delivery is at least once: an attempt cut short by a crash runs again.

import type { Invocation, InvocationError, InvocationResult, InvocationState } from './invocation.js';

export type Settlement =
  | { status: 'succeeded'; version: string; result: InvocationResult }
  | { status: 'failed'; version: string; error: InvocationError; result: InvocationResult | null; retryInMs: number }
  | { status: 'dead'; version: string; error: InvocationError; result: InvocationResult | null };

/** One attempt of an invocation, taken from the queue: marked running, its attempt counted. */
export interface Claimed {
  readonly inv: Invocation;
  /** Ends the attempt; the queue keeps the outcome (and runs it again later when it failed). */
  settle(s: Settlement): Promise<InvocationState>;
  /**
   * Gives the invocation back untried (the host is stopping, or this replica has not seen its function yet): it runs
   * again no sooner than `delayMs` from now, this attempt not counted.
   */
  release(delayMs?: number): Promise<void>;
}

export interface AsyncQueue {
  /** Largest request body this store can keep (a NATS message's payload limit); unset when only the host's cap applies. */
  readonly maxBodyBytes?: number;
  /** Resolves once the invocation is durably queued. */
  enqueue(inv: Invocation): Promise<void>;
  get(id: string): Promise<InvocationState | null>;
  /** Dead invocations of a function, newest first. */
  deadLetters(fn: string, limit: number): Promise<InvocationState[]>;
  /** Queues a dead invocation again with a fresh set of attempts (not_found, or conflict unless dead). */
  retry(id: string): Promise<InvocationState>;
  /** The next due invocation, claimed; null when none came within `waitMs`. */
  take(waitMs: number): Promise<Claimed | null>;
  /** Makes a waiting take() return null, and every later one (the host is stopping). */
  interrupt(): void;
  /** True for exactly one caller per key (a schedule's tick): the replica that fires it. */
  claimTick(key: string): Promise<boolean>;
  /** Stops handing out work (a waiting take() returns null) and releases the store. */
  close(): Promise<void>;
}
