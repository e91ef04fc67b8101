// One input line of a map as the request its function gets: a JSON value as a POST body, or (envelope mode) an
// object naming the body, path, method and headers.

import { WasmfnError } from '../errors.js';

/** The parts of a request an item decides; the map fills in the rest. */
export interface ItemRequest {
  method: string;
  path: string;
  query: string;
  /** name, value, name, value, ... */
  rawHeaders: string[];
  body: Uint8Array;
}

const JSON_HEADERS = Object.freeze(['content-type', 'application/json']) as unknown as string[];
const ENVELOPE_FIELDS = new Set(['body', 'bodyBase64', 'path', 'method', 'headers']);
const METHOD_RE = /^[A-Z][A-Z0-9-]{0,31}$/;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?=\/|$)/i;
const MAX_HEADERS = 100;

/** The request of one line; a line that is not a valid item is bad_request (payload_too_large when too long). */
export function itemRequest(line: Buffer, envelope: boolean): ItemRequest {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    throw bad('the line is not valid JSON');
  }
  if (!envelope) return { method: 'POST', path: '/', query: '', rawHeaders: JSON_HEADERS, body: line };
  return envelopeRequest(value);
}

function envelopeRequest(v: unknown): ItemRequest {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('an envelope is a JSON object');
  const e = v as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!ENVELOPE_FIELDS.has(k)) throw bad(`unknown envelope field "${k}" (known: ${[...ENVELOPE_FIELDS].join(', ')})`);
  if (e.body !== undefined && e.bodyBase64 !== undefined) throw bad('an envelope has "body" or "bodyBase64", not both');
  let body: Uint8Array = EMPTY;
  if (e.body !== undefined) {
    if (typeof e.body !== 'string') throw bad('"body" is a string (use "bodyBase64" for bytes)');
    body = Buffer.from(e.body, 'utf8');
  } else if (e.bodyBase64 !== undefined) {
    if (typeof e.bodyBase64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(e.bodyBase64)) throw bad('"bodyBase64" is a base64 string');
    body = Buffer.from(e.bodyBase64, 'base64');
  }
  let method = 'POST';
  if (e.method !== undefined) {
    if (typeof e.method !== 'string' || !METHOD_RE.test(e.method.toUpperCase())) throw bad('"method" is an HTTP method such as "POST"');
    method = e.method.toUpperCase();
  }
  let path = '/';
  let query = '';
  if (e.path !== undefined) {
    if (typeof e.path !== 'string' || !e.path.startsWith('/') || !/^[\x21-\x7e]*$/.test(e.path)) throw bad('"path" starts with "/" and is printable ASCII (percent-encode the rest)');
    const q = e.path.indexOf('?');
    path = q < 0 ? e.path : e.path.slice(0, q);
    query = q < 0 ? '' : e.path.slice(q + 1);
    if (e.path.includes('#') || DOT_SEGMENT.test(path)) throw bad('"path" has a "." or ".." segment or a "#"');
  }
  const rawHeaders: string[] = [];
  if (e.headers !== undefined) {
    if (e.headers === null || typeof e.headers !== 'object' || Array.isArray(e.headers)) throw bad('"headers" is an object of strings');
    const entries = Object.entries(e.headers as Record<string, unknown>);
    if (entries.length > MAX_HEADERS) throw bad(`at most ${MAX_HEADERS} headers`);
    for (const [name, value] of entries) {
      if (!HEADER_NAME_RE.test(name)) throw bad(`header name ${JSON.stringify(name)} is not a valid HTTP token`);
      if (typeof value !== 'string' || /[\0\r\n]/.test(value)) throw bad(`header "${name}" has a value that is not a string on one line`);
      // Latin-1 like Node's raw headers, which the job codec writes byte for byte.
      rawHeaders.push(name, Buffer.from(value, 'utf8').toString('latin1'));
    }
  }
  return { method, path, query, rawHeaders, body };
}

const EMPTY = new Uint8Array(0);

function bad(message: string): WasmfnError {
  return new WasmfnError('bad_request', message);
}
