// The outgoing response: status, headers and body, encoded into one buffer and handed to the host.

import { response_write, writeStr, sameName } from "./wire";
import { Header, Request } from "./request";
import { JsonValue } from "./json";

const TEXT = "text/plain; charset=utf-8";
const JSON_TYPE = "application/json";

export class Response {
  status: i32;
  headers: Header[] = new Array<Header>(0);
  private bodyText: string | null = null;
  private bodyBytes: Uint8Array | null = null;

  constructor(status: i32 = 200) {
    this.status = status;
  }

  /** A UTF-8 text body, `text/plain; charset=utf-8`. */
  static text(body: string, status: i32 = 200): Response {
    const r = new Response(status);
    r.bodyText = body;
    return r.setHeader("content-type", TEXT);
  }

  /** An HTML body, `text/html; charset=utf-8`. */
  static html(body: string, status: i32 = 200): Response {
    const r = new Response(status);
    r.bodyText = body;
    return r.setHeader("content-type", "text/html; charset=utf-8");
  }

  /** A JSON body from a JsonValue, or from a string already holding JSON text. */
  static json<T>(value: T, status: i32 = 200): Response {
    const r = new Response(status);
    if (isString<T>()) {
      r.bodyText = changetype<string>(value);
    } else if (isReference<T>() && idof<nonnull<T>>() == idof<JsonValue>()) {
      r.bodyText = value == null ? "null" : changetype<JsonValue>(value).stringify();
    } else {
      ERROR("Response.json takes a JsonValue or a string of JSON text");
    }
    return r.setHeader("content-type", JSON_TYPE);
  }

  /** A binary body (not copied until the response is written). */
  static bytes(body: Uint8Array, contentType: string = "application/octet-stream", status: i32 = 200): Response {
    const r = new Response(status);
    r.bodyBytes = body;
    return r.setHeader("content-type", contentType);
  }

  /** A response without a body. */
  static empty(status: i32 = 204): Response {
    return new Response(status);
  }

  /** Sets a header, replacing any of the same name (ASCII case-insensitive). */
  setHeader(name: string, value: string): Response {
    const h = this.headers;
    for (let i = 0; i < h.length; i++) {
      if (sameName(h[i].name, name)) {
        h[i].value = value;
        return this;
      }
    }
    h.push(new Header(name, value));
    return this;
  }

  /** Adds a header even if one of that name exists (e.g. several `set-cookie`). */
  addHeader(name: string, value: string): Response {
    this.headers.push(new Header(name, value));
    return this;
  }

  /** Encodes the response and hands it to the host; the last call wins. */
  write(): void {
    const h = this.headers;
    const n = h.length;
    const lens = new StaticArray<i32>(n << 1);
    let size: usize = 12;
    for (let i = 0; i < n; i++) {
      const nl = String.UTF8.byteLength(h[i].name);
      const vl = String.UTF8.byteLength(h[i].value);
      unchecked(lens[i << 1] = nl);
      unchecked(lens[(i << 1) + 1] = vl);
      size += 8 + <usize>nl + <usize>vl;
    }
    const text = this.bodyText;
    const bytes = this.bodyBytes;
    let bodyLen = 0;
    if (text != null) bodyLen = String.UTF8.byteLength(text);
    else if (bytes != null) bodyLen = bytes.byteLength;
    size += <usize>bodyLen;

    const buf = heap.alloc(size);
    let p = buf;
    store<u32>(p, <u32>this.status);
    store<u32>(p, <u32>n, 4);
    p += 8;
    for (let i = 0; i < n; i++) {
      p = writeStr(p, h[i].name, unchecked(lens[i << 1]));
      p = writeStr(p, h[i].value, unchecked(lens[(i << 1) + 1]));
    }
    store<u32>(p, <u32>bodyLen);
    p += 4;
    if (text != null) String.UTF8.encodeUnsafe(changetype<usize>(text), text.length, p);
    else if (bytes != null) memory.copy(p, bytes.dataStart, <usize>bodyLen);
    response_write(buf, <i32>size);
  }
}

/** Runs one request through `handler` and writes its response: the whole body of `handle()`. */
export function serve(handler: (req: Request) => Response): void {
  handler(Request.read()).write();
}
