// One attempt of an asynchronous invocation through the same pool as /fn calls, recorded in the same sink (logs,
// metrics, usage), and what the queue should do next with it.

import { WasmfnError, type ErrorCode } from '../errors.js';
import type { LiveFunction } from '../store/registry.js';
import type { WorkerPool, InvokeOutcome } from '../sandbox/pool.js';
import type { JobInput } from '../sandbox/job-codec.js';
import type { InvocationRecord, InvocationSink } from '../invocation/record.js';
import { sharedNow } from '../invocation/clock.js';
import { invocationRecord } from '../sandbox/invocation-record.js';
import type { Invocation, InvocationError, InvocationResult } from './invocation.js';
import type { Settlement } from './queue.js';
import { backoffMs, retryable } from './retry-policy.js';

/** Headers the host sets on every attempt; a client's own copies are dropped. */
export const ATTEMPT_HEADER = 'x-wasmfn-attempt';
export const INVOCATION_HEADER = 'x-wasmfn-invocation-id';

/**
 * Runs one attempt; 'refused' when the pool would not take it (no room to wait for a worker): then it did not run,
 * and the caller gives it back to the queue without counting the attempt.
 */
export async function runAttempt(inv: Invocation, fn: LiveFunction | undefined, pool: WorkerPool, sink: InvocationSink): Promise<Settlement | 'refused'> {
  if (!fn) {
    // Deleted since it was queued: nothing will ever run it.
    return { status: 'dead', version: inv.version, result: null, error: { code: 'function_not_found', message: `no function named "${inv.function}"` } };
  }
  const input = jobInput(inv);
  let out: InvokeOutcome;
  try {
    out = await pool.invoke(fn, input);
  } catch (e) {
    if (e instanceof WasmfnError && e.code === 'overloaded') return 'refused';
    const failure = e instanceof WasmfnError ? e : new WasmfnError('internal', 'the invocation could not be queued for a worker');
    sink.record(invocationRecord(fn, input, failure.status, failure, null, 0));
    return next(inv, fn.version, { code: failure.code, message: failure.message }, null);
  }
  if (!out.ok) {
    const failure = WasmfnError.from(out.error);
    sink.record(invocationRecord(fn, input, failure.status, failure, out, 0));
    return next(inv, fn.version, { code: failure.code, message: failure.message }, null);
  }
  sink.record(invocationRecord(fn, input, out.status, null, out, out.body.byteLength));
  const result = toResult(out);
  if (retryable({ status: out.status })) {
    return next(inv, fn.version, { code: 'bad_gateway', message: `the function answered ${out.status}` }, result);
  }
  return { status: 'succeeded', version: fn.version, result };
}

function next(inv: Invocation, version: string, error: InvocationError, result: InvocationResult | null): Settlement {
  const tried = inv.attempts - inv.attemptBase;
  const again = (result ? retryable({ status: result.status }) : retryable({ code: error.code as ErrorCode })) && tried < inv.policy.maxAttempts;
  if (!again) return { status: 'dead', version, error, result };
  return { status: 'failed', version, error, result, retryInMs: backoffMs(inv.policy, tried) };
}

function jobInput(inv: Invocation): JobInput {
  const h = inv.request.rawHeaders;
  const rawHeaders: string[] = [];
  for (let i = 0; i + 1 < h.length; i += 2) {
    const name = h[i]!.toLowerCase();
    if (name !== ATTEMPT_HEADER && name !== INVOCATION_HEADER) rawHeaders.push(h[i]!, h[i + 1]!);
  }
  rawHeaders.push(ATTEMPT_HEADER, String(inv.attempts), INVOCATION_HEADER, inv.id);
  return {
    method: inv.request.method, path: inv.request.path, query: inv.request.query, rawHeaders, body: inv.request.body,
    remoteAddr: '', requestId: inv.id, receivedAt: sharedNow(),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function toResult(out: Extract<InvokeOutcome, { ok: true }>): InvocationResult {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < out.headers.length; i += 2) headers[out.headers[i]!] = out.headers[i + 1]!;
  try {
    return { status: out.status, headers, body: utf8.decode(out.body) };
  } catch {
    return { status: out.status, headers, bodyBase64: Buffer.from(out.body).toString('base64') };
  }
}

