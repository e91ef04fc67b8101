// An asynchronous invocation as it is stored (embedded rows, cluster KV values) and as the API shows it.

import type { ErrorCode } from '../errors.js';

export type InvocationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';

/** The request, kept until the invocation is done (and after, so a dead one can be retried). */
export interface StoredRequest {
  method: string;
  path: string;
  query: string;
  /** name, value, name, value, ... as the client sent them (minus the host's own headers). */
  rawHeaders: string[];
  body: Uint8Array;
}

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

export interface InvocationResult {
  status: number;
  headers: Record<string, string>;
  body?: string;
  bodyBase64?: string;
}

export interface InvocationError {
  code: ErrorCode;
  message: string;
}

/** What a store keeps about one invocation besides its request. */
export interface InvocationState {
  id: string;
  function: string;
  /** The version that last ran it (the live one when queued, until then). */
  version: string;
  status: InvocationStatus;
  attempts: number;
  /** Attempts made before the last manual retry: a retry gets the policy's attempts afresh. */
  attemptBase: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When a queued or failed invocation may run next (epoch ms). */
  nextAt: number;
  policy: RetryPolicy;
  callbackUrl: string | null;
  result: InvocationResult | null;
  error: InvocationError | null;
}

export interface Invocation extends InvocationState {
  request: StoredRequest;
}

/** The API's view: times as ISO 8601, no request, no internal fields. */
export function invocationView(s: InvocationState): Record<string, unknown> {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: s.id, function: s.function, version: s.version, status: s.status, attempts: s.attempts,
    createdAt: iso(s.createdAt), startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt),
    ...(s.status === 'queued' || s.status === 'failed' ? { nextAttemptAt: iso(s.nextAt) } : {}),
    ...(s.result ? { result: s.result } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

export function isDone(s: InvocationStatus): boolean {
  return s === 'succeeded' || s === 'dead';
}
