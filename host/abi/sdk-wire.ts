// The SDK ABI's byte formats (functions/sdk/README.md): the request wire read back (the main thread writes it:
// sandbox/job-codec.ts), the response decoded out of guest memory.

import { WasmfnError } from '../errors.js';
import type { GuestResponse } from './types.js';
import { BAD_HEADER_VALUE, HEADER_NAME, MAX_RESPONSE_HEADERS, shownGuestText } from './response-headers.js';

/** Headers are small in HTTP; a response spending more than this on them is broken or hostile. */
export const MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

/**
 * Reads the request fields back out of wire bytes the host encoded. The host writes Node's header and URL strings
 * as latin1 (one byte per character: the bytes that arrived), so they are read back the same way.
 */
export function decodeRequestWire(wire: Uint8Array): { method: string; path: string; query: string; headers: [string, string][]; body: Uint8Array } {
  const b = Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength);
  let off = 0;
  const u32 = (): number => {
    const v = b.readUInt32LE(off);
    off += 4;
    return v;
  };
  const str = (): string => {
    const n = u32();
    const s = b.toString('latin1', off, off + n);
    off += n;
    return s;
  };
  const method = str();
  const path = str();
  const query = str();
  const count = u32();
  const headers: [string, string][] = new Array(count);
  for (let i = 0; i < count; i++) headers[i] = [str(), str()];
  const n = u32();
  return { method, path, query, headers, body: wire.subarray(off, off + n) };
}


function bad(message: string): WasmfnError {
  return new WasmfnError('bad_gateway', `invalid response from the function: ${message}`);
}

/** Copies bytes out of guest memory, into a buffer of the caller's (the sandbox reuses one per thread). */
export type CopyOut = (bytes: Uint8Array) => Uint8Array;

export const copyFresh: CopyOut = (bytes) => bytes.slice();

/** Tab and printable ASCII: bytes that read as the same characters in UTF-8 and Latin-1, all valid in a header value. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c <= 0x7e; c++) PLAIN[c] = 1;
PLAIN[9] = 1;
/** The RFC 9110 token characters (response-headers.ts HEADER_NAME), by byte. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN[c.charCodeAt(0)] = 1;

function allIn(table: Uint8Array, bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (table[bytes[i]!] === 0) return false;
  return true;
}

/** Decodes and copies out a response the guest handed over with `response_write(ptr, len)`. */
export function decodeResponse(memory: WebAssembly.Memory, ptr: number, len: number, maxResponseBytes: number, copyOut: CopyOut = copyFresh): GuestResponse {
  const buffer = memory.buffer;
  if (ptr + len > buffer.byteLength) throw bad(`response_write(${ptr}, ${len}) is outside memory`);
  const bytes = Buffer.from(buffer, ptr, len);
  const end = len;
  let off = 0;
  let headersStart = 0;
  const u32 = (what: string): number => {
    if (off + 4 > end) throw bad(`truncated at ${what}`);
    const v = bytes.readUInt32LE(off);
    off += 4;
    return v;
  };
  /** The next string's end, checked against the response and the header budget; `off` is left at its start. */
  const span = (what: string): number => {
    const n = u32(what);
    if (n > end - off) throw bad(`${what} runs past the end`);
    if (off + n - headersStart > MAX_RESPONSE_HEADER_BYTES) {
      throw new WasmfnError('response_too_large', `response headers exceed ${MAX_RESPONSE_HEADER_BYTES} bytes`);
    }
    return off + n;
  };

  const status = u32('status');
  // 1xx are interim responses: sent as the final one, the caller would wait for a response that never comes.
  if (status < 200 || status > 599) throw bad(`status ${status} is not in 200-599`);
  headersStart = off;
  const count = u32('header count');
  if (count > MAX_RESPONSE_HEADERS) throw bad(`header count ${count} is over the limit of ${MAX_RESPONSE_HEADERS}`);
  if (count > (end - off) / 8) throw bad(`header count ${count} does not fit`);
  const headers: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    let to = span('header name');
    // The common case, checked by byte: a token is ASCII, so Latin-1 reads it as UTF-8 would, and needs no pattern.
    const nameOk = to > off && allIn(TOKEN, bytes, off, to);
    const name = bytes.toString(nameOk ? 'latin1' : 'utf8', off, to);
    off = to;
    to = span('header value');
    const plain = allIn(PLAIN, bytes, off, to);
    const value = bytes.toString(plain ? 'latin1' : 'utf8', off, to);
    off = to;
    if (!nameOk && !HEADER_NAME.test(name)) throw bad(`header name ${shownGuestText(name)} is not a valid token`);
    if (!plain && BAD_HEADER_VALUE.test(value)) throw bad(`header ${shownGuestText(name)} has a control character or a character outside Latin-1 in its value`);
    headers.push([name, value]);
  }
  const bodyLen = u32('body length');
  if (bodyLen > maxResponseBytes) {
    throw new WasmfnError('response_too_large', `response body of ${bodyLen} bytes exceeds the limit of ${maxResponseBytes}`);
  }
  if (bodyLen !== end - off) throw bad(`body length ${bodyLen} does not match the ${end - off} bytes left`);
  // Copied now: the guest may reuse the bytes once response_write returns, and the memory goes back to the pool.
  const body = copyOut(new Uint8Array(buffer, ptr + off, end - off));
  return { status, headers, body };
}
