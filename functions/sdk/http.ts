// Outbound HTTP, to the origins of the function's config ("allowedHosts") only. Synchronous for the guest; the
// time it takes counts against the function's timeoutMs.

import { Header } from "./request";
import { settle, resultBuffer, Utf8 } from "./capability";
import { writeStr } from "./wire";

@external("wasmfn", "http_fetch")
declare function http_fetch(ptr: usize, len: i32): i32;

export class FetchResponse {
  constructor(public status: i32, public headers: Header[], public body: Uint8Array) {}

  text(): string {
    return String.UTF8.decodeUnsafe(this.body.dataStart, <usize>this.body.byteLength);
  }

  /** The first header of that name (names are lower-case), or null. */
  header(name: string): string | null {
    const n = name.toLowerCase();
    for (let i = 0; i < this.headers.length; i++) if (this.headers[i].name == n) return this.headers[i].value;
    return null;
  }
}

export class http {
  /** null on error: lastError() is CapError.DENIED for an origin not allowed, TIMEOUT, FETCH_FAILED, ... */
  static fetch(method: string, url: string, headers: Header[] | null = null, body: Uint8Array | null = null): FetchResponse | null {
    const hs = headers === null ? new Array<Header>() : headers;
    const m = new Utf8(method);
    const u = new Utf8(url);
    let size = 12 + m.len + u.len + 4;
    for (let i = 0; i < hs.length; i++) size += 8 + String.UTF8.byteLength(hs[i].name) + String.UTF8.byteLength(hs[i].value);
    const bodyLen = body === null ? 0 : body.byteLength;
    size += bodyLen;
    const buf = new ArrayBuffer(size);
    let p = changetype<usize>(buf);
    store<u32>(p, <u32>m.len);
    memory.copy(p + 4, m.ptr, <usize>m.len);
    p += 4 + <usize>m.len;
    store<u32>(p, <u32>u.len);
    memory.copy(p + 4, u.ptr, <usize>u.len);
    p += 4 + <usize>u.len;
    store<u32>(p, <u32>hs.length);
    p += 4;
    for (let i = 0; i < hs.length; i++) {
      p = writeStr(p, hs[i].name, String.UTF8.byteLength(hs[i].name));
      p = writeStr(p, hs[i].value, String.UTF8.byteLength(hs[i].value));
    }
    store<u32>(p, <u32>bodyLen);
    if (body !== null) memory.copy(p + 4, body.dataStart, <usize>bodyLen);
    if (settle(http_fetch(changetype<usize>(buf), size)) < 0) return null;
    const res = resultBuffer();
    const base = changetype<usize>(res);
    const status = load<u32>(base);
    const count = load<u32>(base + 4);
    let off: usize = 8;
    const out = new Array<Header>();
    for (let i: u32 = 0; i < count; i++) {
      const nl = load<u32>(base + off);
      const name = String.UTF8.decodeUnsafe(base + off + 4, nl);
      off += 4 + <usize>nl;
      const vl = load<u32>(base + off);
      const value = String.UTF8.decodeUnsafe(base + off + 4, vl);
      off += 4 + <usize>vl;
      out.push(new Header(name, value));
    }
    const bl = load<u32>(base + off);
    return new FetchResponse(<i32>status, out, Uint8Array.wrap(res, <i32>(off + 4), <i32>bl));
  }
}
