// A map's query parameters: concurrency, retries, envelope, headers; anything else is refused.

import { WasmfnError } from '../errors.js';

export const MAX_MAP_CONCURRENCY = 256;
export const MAX_MAP_RETRIES = 10;

export interface MapQuery {
  concurrency: number;
  retries: number;
  envelope: boolean;
  headers: boolean;
}

/** The settings named by `query`; concurrency defaults to the number of workers (at most 256). */
export function mapQuery(query: Record<string, string>, workers: number): MapQuery {
  for (const k of Object.keys(query)) {
    if (!KNOWN.has(k)) throw new WasmfnError('bad_request', `unknown query parameter "${k}" (known: ${[...KNOWN].join(', ')})`);
  }
  return {
    concurrency: int(query, 'concurrency', Math.min(workers, MAX_MAP_CONCURRENCY), 1, MAX_MAP_CONCURRENCY),
    retries: int(query, 'retries', 0, 0, MAX_MAP_RETRIES),
    envelope: flag(query, 'envelope'),
    headers: flag(query, 'headers'),
  };
}

const KNOWN = new Set(['concurrency', 'retries', 'envelope', 'headers']);

function int(q: Record<string, string>, name: string, fallback: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined) return fallback;
  if (!/^\d{1,6}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new WasmfnError('bad_request', `${name} must be an integer from ${min} to ${max}`);
  }
  return Number(v);
}

function flag(q: Record<string, string>, name: string): boolean {
  const v = q[name];
  if (v === undefined || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true' || v === '') return true;
  throw new WasmfnError('bad_request', `${name} must be 1 or 0`);
}
