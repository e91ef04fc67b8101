// Module bytes V8 has never seen: a custom section with a unique payload defeats its by-content compile cache.

import { encodeName, encodeU32 } from '../wasm/byte-reader.js';

let counter = 0;

/** `bytes` plus a trailing custom section `wasmfn-bench-nonce`; semantics unchanged (custom sections are ignored). */
export function freshBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const payload = new TextEncoder().encode(`${process.pid}-${Date.now()}-${++counter}-${Math.random()}`);
  const body = [...encodeName('wasmfn-bench-nonce'), ...payload];
  const section = Uint8Array.from([0, ...encodeU32(body.length), ...body]);
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes, 0);
  out.set(section, bytes.length);
  return out;
}

/** JavaScript source V8 has never seen, for the same purpose. */
export function freshSource(source: string): string {
  return `${source}\n// ${process.pid}-${Date.now()}-${++counter}-${Math.random()}`;
}
