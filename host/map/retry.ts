// Which failures of an item are worth another run, and how long to wait before it.

import type { ErrorCode } from '../errors.js';

/**
 * Failures that may pass on another run: the host was busy or cut the run short. A trap, a memory limit or a
 * bad response would only happen again.
 */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['timeout', 'overloaded', 'unavailable', 'internal']);

export function retryableCode(code: ErrorCode): boolean {
  return RETRYABLE.has(code);
}

/** A guest's own 5xx answer is retried too (it says the failure is on its side, and may pass). */
export function retryableStatus(status: number): boolean {
  return status >= 500;
}

/** Exponential with jitter: 50 ms, 100 ms, 200 ms, ... up to 2 s, each between half and all of that. */
export function retryDelayMs(attempt: number): number {
  const full = Math.min(2000, 50 * 2 ** Math.min(attempt, 10));
  return full / 2 + Math.random() * (full / 2);
}
