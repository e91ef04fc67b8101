// An invocation's outbound requests, added on the main thread (where they were made) to the outcome and to the log
// line the worker formatted.

import type { FetchRecord } from '../fetch/outbound.js';
import type { InvokeOutcome } from './result-codec.js';

const ms = (n: number): number => Math.round(n * 1000) / 1000;

export function withFetches(out: InvokeOutcome, fetches: FetchRecord[]): void {
  const list = fetches.map((f) => ({ method: f.method, origin: f.origin, status: f.status, ms: ms(f.ms), ...(f.error ? { error: f.error } : {}) }));
  out.fetches = list;
  const line = out.line;
  // The line is one JSON object and a newline: the field goes in before its closing brace.
  if (line === null || line.byteLength < 2 || line[line.byteLength - 2] !== 0x7d) return;
  const field = Buffer.from(`,"fetch":${JSON.stringify(list).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}}\n`, 'utf8');
  out.line = Buffer.concat([line.subarray(0, line.byteLength - 2), field]);
}

/** Total time of the outbound requests, for server-timing. */
export function fetchMs(out: { fetches?: FetchRecord[] }): number {
  let total = 0;
  for (const f of out.fetches ?? []) total += f.ms;
  return total;
}
