// A batch of map items as it crosses NATS to a replica, and its answer: JSON, bodies in base64.
//
//   request: {"fn", "version", "rid": map request id, "addr": remote address, "headers": 0|1,
//             "items": [{"i": index, "m": method, "p": path, "q": query, "h": [name, value, ...], "b": base64}]}
//   answer:  {"results": [{"i", "s": status, "h"?: [...], "b": base64} | {"i", "e": {"code", "message"}}
//                         | {"i", "redo": 1} (the answer had no room for it: run it where the map is)]}
//            or {"error": {"code", "message"}} for the whole batch (run it elsewhere)

import { ERROR_STATUS, WasmfnError, type SerializedError } from '../errors.js';
import type { ItemResult } from './map-item-runner.js';

export interface WireItem {
  i: number;
  m: string;
  p: string;
  q: string;
  h: string[];
  b: string;
}

export interface BatchRequest {
  fn: string;
  version: string;
  rid: string;
  addr: string;
  headers: 0 | 1;
  items: WireItem[];
}

export type WireResult =
  | { i: number; s: number; h?: string[]; b: string }
  | { i: number; e: SerializedError }
  | { i: number; redo: 1 };

export type BatchAnswer = { results: WireResult[] } | { error: SerializedError };

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeJson(v: BatchRequest | BatchAnswer): Uint8Array {
  return enc.encode(JSON.stringify(v));
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function unb64(s: string): Uint8Array {
  return Buffer.from(s, 'base64');
}

/** Bytes an item takes in a request, about (its body grows by a third in base64). */
export function wireItemBytes(method: string, path: string, query: string, headers: readonly string[], body: Uint8Array): number {
  let n = 48 + method.length + path.length * 2 + query.length * 2 + Math.ceil(body.byteLength / 3) * 4;
  for (const h of headers) n += h.length * 2 + 3;
  return n;
}

export function decodeRequest(data: Uint8Array): BatchRequest {
  const v = parse(data) as BatchRequest;
  if (!v || typeof v.fn !== 'string' || typeof v.version !== 'string' || typeof v.rid !== 'string' || !Array.isArray(v.items)) {
    throw new WasmfnError('bad_request', 'not a map batch');
  }
  for (const it of v.items) {
    if (!it || !Number.isInteger(it.i) || typeof it.m !== 'string' || typeof it.p !== 'string' || typeof it.q !== 'string' || !Array.isArray(it.h) || typeof it.b !== 'string') {
      throw new WasmfnError('bad_request', 'not a map batch item');
    }
  }
  return v;
}

export function decodeAnswer(data: Uint8Array): BatchAnswer {
  const v = parse(data) as BatchAnswer;
  if (v && 'error' in v && v.error && typeof v.error.code === 'string') return v;
  if (v && 'results' in v && Array.isArray(v.results)) return v;
  throw new WasmfnError('internal', 'not an answer to a map batch');
}

/** A wire result as the map's item result; null for "redo". */
export function itemResult(r: WireResult): ItemResult | null {
  if ('redo' in r) return null;
  if ('e' in r) {
    const code = r.e.code in ERROR_STATUS ? r.e.code : 'internal';
    return { ok: false, error: { code, message: String(r.e.message) } };
  }
  return { ok: true, status: r.s, headers: r.h ?? [], body: unb64(r.b) };
}

function parse(data: Uint8Array): unknown {
  try {
    return JSON.parse(dec.decode(data));
  } catch {
    throw new WasmfnError('bad_request', 'a map batch message is not JSON');
  }
}
