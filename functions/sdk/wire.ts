// Host imports of the SDK ABI (module "wasmfn") and the little-endian helpers the wire format needs.
// See README.md in this folder for the byte layout.

@external("wasmfn", "request_len")
export declare function request_len(): i32;

@external("wasmfn", "request_read")
export declare function request_read(ptr: usize): void;

@external("wasmfn", "response_write")
export declare function response_write(ptr: usize, len: i32): void;

@external("wasmfn", "log")
export declare function host_log(level: i32, ptr: usize, len: i32): void;

/** Reads the encoded request into one fresh buffer: the only copy the guest makes of it. */
export function readRequestBuffer(): ArrayBuffer {
  const len = request_len();
  const buf = changetype<ArrayBuffer>(__new(<usize>len, idof<ArrayBuffer>()));
  if (len > 0) request_read(changetype<usize>(buf));
  return buf;
}

/** Writes a wire string (u32 byte length + UTF-8) at ptr; returns the pointer after it. */
export function writeStr(ptr: usize, s: string, byteLen: i32): usize {
  store<u32>(ptr, <u32>byteLen);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, ptr + 4);
  return ptr + 4 + <usize>byteLen;
}

/** True when the UTF-8 bytes at ptr equal the ASCII string s, ignoring ASCII case. */
export function asciiEqualsIgnoreCase(ptr: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  for (let i = 0; i < len; i++) {
    let a = <u32>load<u8>(ptr + <usize>i);
    let b = <u32>s.charCodeAt(i);
    if (b >= 0x80) return false;
    if (a - 0x41 < 26) a |= 0x20;
    if (b - 0x41 < 26) b |= 0x20;
    if (a != b) return false;
  }
  return true;
}

/** Decodes UTF-8 bytes to a string (no copy of the bytes, one allocation for the string). */
export function utf8At(ptr: usize, len: i32): string {
  if (len == 0) return "";
  return String.UTF8.decodeUnsafe(ptr, <usize>len);
}

/** True when a and b are equal ignoring ASCII case (header names are ASCII tokens). */
export function sameName(a: string, b: string): bool {
  const n = a.length;
  if (n != b.length) return false;
  for (let i = 0; i < n; i++) {
    let x = <u32>a.charCodeAt(i);
    let y = <u32>b.charCodeAt(i);
    if (x - 0x41 < 26) x |= 0x20;
    if (y - 0x41 < 26) y |= 0x20;
    if (x != y) return false;
  }
  return true;
}
