// Query-string decoding: splits "a=1&b=2" into name/value pairs, turning "+" into space and %XX into bytes.

import { utf8At } from "./wire";

/** One decoded query parameter. */
export class Param {
  constructor(public name: string, public value: string) {}
}

/** Parses a raw query string held as UTF-8 bytes at ptr; pairs keep their order, duplicates included. */
export function parseQuery(ptr: usize, len: i32): Param[] {
  const out = new Array<Param>();
  let start = 0;
  while (start <= len) {
    let end = start;
    while (end < len && load<u8>(ptr + <usize>end) != 0x26 /* & */) end++;
    if (end > start) {
      let eq = start;
      while (eq < end && load<u8>(ptr + <usize>eq) != 0x3d /* = */) eq++;
      const name = decodeComponent(ptr + <usize>start, eq - start);
      const value = eq < end ? decodeComponent(ptr + <usize>eq + 1, end - eq - 1) : "";
      out.push(new Param(name, value));
    }
    start = end + 1;
  }
  return out;
}

/** Decodes one form-urlencoded component; a malformed %-escape is kept as written. */
export function decodeComponent(ptr: usize, len: i32): string {
  let plain = true;
  for (let i = 0; i < len; i++) {
    const c = load<u8>(ptr + <usize>i);
    if (c == 0x25 || c == 0x2b) { plain = false; break; }
  }
  if (plain) return utf8At(ptr, len);
  const tmp = heap.alloc(<usize>len);
  let o: usize = 0;
  for (let i = 0; i < len; i++) {
    const c = load<u8>(ptr + <usize>i);
    if (c == 0x2b) {
      store<u8>(tmp + o++, 0x20);
    } else if (c == 0x25 && i + 2 < len && hexVal(load<u8>(ptr + <usize>i + 1)) >= 0 && hexVal(load<u8>(ptr + <usize>i + 2)) >= 0) {
      store<u8>(tmp + o++, <u8>(hexVal(load<u8>(ptr + <usize>i + 1)) << 4 | hexVal(load<u8>(ptr + <usize>i + 2))));
      i += 2;
    } else {
      store<u8>(tmp + o++, c);
    }
  }
  const s = utf8At(tmp, <i32>o);
  heap.free(tmp);
  return s;
}

function hexVal(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return <i32>l - 0x61 + 10;
  return -1;
}
