// The incoming request: located once in the host-written buffer, its parts decoded only when asked for.

import { readRequestBuffer, asciiEqualsIgnoreCase, utf8At } from "./wire";
import { Param, parseQuery } from "./url";
import { Json, JsonValue } from "./json";

/** One request or response header. */
export class Header {
  constructor(public name: string, public value: string) {}
}

export class Request {
  private buf: ArrayBuffer;
  private methodAt: i32 = 0;
  private pathAt: i32 = 0;
  private queryAt: i32 = 0;
  private headersAt: i32 = 0;
  private headerCount: i32 = 0;
  private bodyAt: i32 = 0;
  private bodyLen: i32 = 0;
  private _method: string | null = null;
  private _path: string | null = null;
  private _params: Param[] | null = null;
  private _headers: Header[] | null = null;

  /** Reads the request the host prepared for this call. */
  static read(): Request {
    return new Request(readRequestBuffer());
  }

  /** Wraps an already encoded request (see README.md for the layout). */
  constructor(buf: ArrayBuffer) {
    this.buf = buf;
    const size = buf.byteLength;
    let off = 0;
    this.methodAt = off; off = this.skipStr(off, size);
    this.pathAt = off; off = this.skipStr(off, size);
    this.queryAt = off; off = this.skipStr(off, size);
    this.headerCount = this.u32At(off, size); off += 4;
    this.headersAt = off;
    for (let i = 0; i < this.headerCount; i++) {
      off = this.skipStr(off, size);
      off = this.skipStr(off, size);
    }
    this.bodyLen = this.u32At(off, size); off += 4;
    this.bodyAt = off;
    if (<i64>off + <i64>this.bodyLen > <i64>size) abort("malformed request: body past the end");
  }

  /** Upper-case HTTP method, e.g. "GET". */
  get method(): string {
    let m = this._method;
    if (m == null) this._method = m = this.strAt(this.methodAt);
    return m;
  }

  /** Path after the function name, starting with "/". */
  get path(): string {
    let p = this._path;
    if (p == null) this._path = p = this.strAt(this.pathAt);
    return p;
  }

  /** The raw query string, without "?". */
  get queryString(): string {
    return this.strAt(this.queryAt);
  }

  /** Decoded query parameters in order. */
  get params(): Param[] {
    let p = this._params;
    if (p == null) {
      this._params = p = parseQuery(this.base() + <usize>this.queryAt + 4, this.u32At(this.queryAt, this.buf.byteLength));
    }
    return p;
  }

  /** The first value of query parameter `name`, or `fallback` when absent. */
  query(name: string, fallback: string = ""): string {
    const p = this.params;
    for (let i = 0; i < p.length; i++) {
      if (p[i].name == name) return p[i].value;
    }
    return fallback;
  }

  hasQuery(name: string): bool {
    const p = this.params;
    for (let i = 0; i < p.length; i++) if (p[i].name == name) return true;
    return false;
  }

  /** The first value of header `name` (ASCII case-insensitive), or `fallback` when absent. */
  header(name: string, fallback: string = ""): string {
    const at = this.findHeader(name);
    return at < 0 ? fallback : this.strAt(at);
  }

  hasHeader(name: string): bool {
    return this.findHeader(name) >= 0;
  }

  /** All headers in arrival order; names as the host sent them (lower-case from wasmfn). */
  get headers(): Header[] {
    let h = this._headers;
    if (h == null) {
      h = new Array<Header>(0);
      const size = this.buf.byteLength;
      let off = this.headersAt;
      for (let i = 0; i < this.headerCount; i++) {
        const name = this.strAt(off); off = this.skipStr(off, size);
        const value = this.strAt(off); off = this.skipStr(off, size);
        h.push(new Header(name, value));
      }
      this._headers = h;
    }
    return h;
  }

  /** The body bytes: a view into the request buffer, not a copy. */
  get body(): Uint8Array {
    return Uint8Array.wrap(this.buf, this.bodyAt, this.bodyLen);
  }

  /** The body decoded as UTF-8. */
  text(): string {
    return utf8At(this.base() + <usize>this.bodyAt, this.bodyLen);
  }

  /** The body parsed as JSON, or null when it is not valid JSON (the reason is in Json.lastError). */
  json(): JsonValue | null {
    return Json.parseUtf8(this.base() + <usize>this.bodyAt, this.bodyLen);
  }

  private base(): usize {
    return changetype<usize>(this.buf);
  }

  /** Offset of the value string of the first header called `name`, or -1. */
  private findHeader(name: string): i32 {
    const size = this.buf.byteLength;
    const base = this.base();
    let off = this.headersAt;
    for (let i = 0; i < this.headerCount; i++) {
      const len = <i32>load<u32>(base + <usize>off);
      const match = asciiEqualsIgnoreCase(base + <usize>off + 4, len, name);
      off = this.skipStr(off, size);
      if (match) return off;
      off = this.skipStr(off, size);
    }
    return -1;
  }

  private u32At(off: i32, size: i32): i32 {
    if (off + 4 > size) abort("malformed request: truncated");
    const v = load<u32>(this.base() + <usize>off);
    if (v > <u32>size) abort("malformed request: length past the end");
    return <i32>v;
  }

  private skipStr(off: i32, size: i32): i32 {
    const len = this.u32At(off, size);
    if (<i64>off + 4 + <i64>len > <i64>size) abort("malformed request: string past the end");
    return off + 4 + len;
  }

  private strAt(off: i32): string {
    return utf8At(this.base() + <usize>off + 4, <i32>load<u32>(this.base() + <usize>off));
  }
}
