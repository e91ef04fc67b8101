// AssemblyScript strings across the loader ABI: the input written into a String the guest's own `__new` made, the
// result read back with every header field checked against memory and the response limit first.

import { WasmfnError } from '../errors.js';
import { HEADER_BYTES, SIZE_OFFSET } from './as-string.js';

/** Class id of String in every AssemblyScript program (0 Object, 1 ArrayBuffer, 2 String). */
export const STRING_ID = 2;
/** The object header ends at the pointer: class id at -8 (byte length at -SIZE_OFFSET). */
const ID_OFFSET = 8;
/** A wasm32 `__new` takes an i32 size. */
const MAX_ALLOC_BYTES = 0x7fff_ffff;

/** A leading U+FEFF is part of the guest's string, not a byte-order mark. */
const utf16 = new TextDecoder('utf-16le', { ignoreBOM: true });

function badGateway(message: string): WasmfnError {
  return new WasmfnError('bad_gateway', message);
}

/**
 * Allocates a String of `text` with the guest's `__new(byteLength, STRING_ID)` and writes it as UTF-16LE. The
 * pointer comes from guest code, so it is checked against memory as it is after the allocation (which may have
 * grown it) before a byte is written.
 */
export function lowerString(memory: WebAssembly.Memory, alloc: (size: number, id: number) => number, text: string): number {
  const byteLen = text.length * 2;
  if (byteLen > MAX_ALLOC_BYTES) throw new WasmfnError('payload_too_large', `a body of ${text.length} characters does not fit a 32-bit guest`);
  const ptr = alloc(byteLen, STRING_ID) >>> 0;
  const buf = memory.buffer;
  if (ptr < HEADER_BYTES || ptr + byteLen > buf.byteLength) {
    throw badGateway(`__new(${byteLen}, ${STRING_ID}) returned ${ptr}, which is no room for the input in memory`);
  }
  if (byteLen > 0) Buffer.from(buf, ptr, byteLen).write(text, 'utf16le');
  return ptr;
}

/**
 * The String at `ptr` (the empty string for a null pointer). Lone surrogates become U+FFFD, as they would in the
 * UTF-8 response anyway. A result whose characters alone exceed `maxResponseBytes` is refused before it is decoded:
 * each UTF-16 unit becomes at least one byte of UTF-8.
 */
export function liftString(memory: WebAssembly.Memory, ptr: number, maxResponseBytes: number): string {
  const at = ptr >>> 0;
  if (at === 0) return '';
  const buf = memory.buffer;
  if (at < HEADER_BYTES || at > buf.byteLength) throw badGateway(`handle() returned an invalid string pointer ${at}`);
  const view = new DataView(buf);
  const id = view.getUint32(at - ID_OFFSET, true);
  const byteLen = view.getUint32(at - SIZE_OFFSET, true);
  if (id !== STRING_ID || byteLen % 2 !== 0) throw badGateway(`handle() did not return a string: ${at} holds class ${id} of ${byteLen} bytes`);
  if (byteLen > buf.byteLength - at) throw badGateway('handle() returned a string that runs past memory');
  if (byteLen / 2 > maxResponseBytes) {
    throw new WasmfnError('response_too_large', `response of ${byteLen / 2} characters exceeds the limit of ${maxResponseBytes} bytes`);
  }
  return utf16.decode(new Uint8Array(buf, at, byteLen));
}
