// When an attempt failed: whether it is tried again, and after how long (exponential backoff with full jitter).

import type { ErrorCode } from '../errors.js';
import type { AsyncPolicyConfig } from '../store/events-config.js';
import type { RetryPolicy } from './invocation.js';

export const DEFAULT_POLICY: RetryPolicy = { maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 60_000 };

/** Failures worth another attempt: the guest or the host may do better next time. */
const RETRYABLE = new Set<ErrorCode>(['trap', 'timeout', 'fuel_exhausted', 'memory_limit', 'overloaded', 'internal']);

export function policyOf(config: AsyncPolicyConfig | undefined): RetryPolicy {
  return { ...DEFAULT_POLICY, ...config };
}

/** A guest's 5xx counts as a failure; any other status it answers with is a success. */
export function retryable(failure: { code: ErrorCode } | { status: number }): boolean {
  return 'code' in failure ? RETRYABLE.has(failure.code) : failure.status >= 500;
}

/**
 * Delay before attempt `attempt + 1` after `attempt` attempts failed: a random point in [base/2, base] where base
 * doubles per attempt up to maxBackoffMs, so retries of many invocations that failed together spread out.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}
