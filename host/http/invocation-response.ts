// A successful invocation as HTTP: the guest's status, headers and body plus the host's own headers, written to
// Node's response in one writeHead/end (no Response object).

import type { InvokeOutcome } from '../sandbox/pool.js';
import type { Outgoing } from './head-reply.js';
import { fetchMs } from '../sandbox/fetch-line.js';

type Success = Extract<InvokeOutcome, { ok: true }>;

/** x-request-id, server-timing (ms with µs precision) and x-wasmfn-fuel, as a flat name, value list. */
export function hostHeaders(requestId: string, out: InvokeOutcome): string[] {
  const h = [
    'x-request-id', requestId,
    'server-timing', `queue;dur=${out.queueMs.toFixed(3)}, instantiate;dur=${out.instantiateMs.toFixed(3)}, run;dur=${out.runMs.toFixed(3)}${out.fetches?.length ? `, fetch;dur=${fetchMs(out).toFixed(3)}` : ''}`,
  ];
  if (out.fuelUsed !== null) h.push('x-wasmfn-fuel', String(out.fuelUsed));
  return h;
}

function hasBody(status: number): boolean {
  return !(status === 204 || status === 304 || (status >= 100 && status < 200));
}

/** The worker already dropped invalid, hop-by-hop and host-owned headers from the guest's list. */
export function writeSuccess(res: Outgoing, requestId: string, out: Success): void {
  const headers = out.headers;
  headers.push(...hostHeaders(requestId, out));
  const body = hasBody(out.status);
  if (body) headers.push('content-length', String(out.body.byteLength));
  res.writeHead(out.status, headers);
  if (body) res.end(out.body);
  else res.end();
}
