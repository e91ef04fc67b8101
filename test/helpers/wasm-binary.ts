// Wasm binaries put together section by section, for hostile modules WAT text cannot express or would make slowly
// (a name section holding a name of megabytes).

import { concatBytes, encodeU32 } from '../../host/wasm/byte-reader.js';

export type Bytes = Uint8Array | readonly number[];

const bytes = (b: Bytes): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** A vector: its length, then the items. */
export function vec(items: readonly Bytes[]): Uint8Array {
  return concatBytes([new Uint8Array(encodeU32(items.length)), ...items.map(bytes)]);
}

/** A name: its UTF-8 length, then its bytes. */
export function name(utf8: Bytes | string): Uint8Array {
  const b = typeof utf8 === 'string' ? new TextEncoder().encode(utf8) : bytes(utf8);
  return concatBytes([new Uint8Array(encodeU32(b.length)), b]);
}

export function section(id: number, ...content: Bytes[]): Uint8Array {
  const body = concatBytes(content.map(bytes));
  return concatBytes([new Uint8Array([id, ...encodeU32(body.length)]), body]);
}

/** A function body without locals. */
export function body(code: readonly number[]): Uint8Array {
  return name([0, ...code]);
}

export function wasmModule(...sections: Uint8Array[]): Uint8Array {
  return concatBytes([new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), ...sections]);
}

export const SECTION = { custom: 0, type: 1, function: 3, memory: 5, export: 7, code: 10 } as const;
export const EXPORT_KIND = { function: 0, memory: 2 } as const;
