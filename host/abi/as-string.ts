// Reads AssemblyScript strings (UTF-16LE, byte length in the object header) out of guest memory for diagnostics.

/** Offset of the u32 byte length before an AssemblyScript object's data (rtSize in the runtime header). */
export const SIZE_OFFSET = 4;
/** Allocator block header plus object header: no object starts below this address. */
export const HEADER_BYTES = 20;
const DEFAULT_MAX_CHARS = 4096;

const utf16 = new TextDecoder('utf-16le');

/**
 * The string at `ptr`, or null for a null pointer. A pointer or length outside memory yields a
 * placeholder rather than an exception: these strings only feed error messages and logs.
 */
export function readAsString(memory: WebAssembly.Memory, ptr: number, maxChars = DEFAULT_MAX_CHARS): string | null {
  const at = ptr >>> 0;
  if (at === 0) return null;
  const buf = memory.buffer;
  if (at < HEADER_BYTES || at > buf.byteLength) return `<bad string pointer ${at}>`;
  const byteLen = new DataView(buf).getUint32(at - SIZE_OFFSET, true);
  if (byteLen % 2 !== 0 || at + byteLen > buf.byteLength) return `<bad string at ${at}>`;
  const chars = byteLen / 2;
  const shown = Math.min(chars, maxChars);
  const text = utf16.decode(new Uint8Array(buf, at, shown * 2));
  return shown < chars ? `${text}…[${chars - shown} more chars]` : text;
}
