// Key-value storage: the function's own store by default, or a shared store named in its config ("kv").
// Failures never trap: a call returns null/false/0 and lastError() says why (README.md, "Capabilities").

import { settle, resultBuffer, Utf8 } from "./capability";

@external("wasmfn", "kv_get")
declare function kv_get(sp: usize, sl: i32, kp: usize, kl: i32): i32;
@external("wasmfn", "kv_set")
declare function kv_set(sp: usize, sl: i32, kp: usize, kl: i32, vp: usize, vl: i32): i32;
@external("wasmfn", "kv_delete")
declare function kv_delete(sp: usize, sl: i32, kp: usize, kl: i32): i32;
@external("wasmfn", "kv_exists")
declare function kv_exists(sp: usize, sl: i32, kp: usize, kl: i32): i32;
@external("wasmfn", "kv_keys")
declare function kv_keys(sp: usize, sl: i32, pp: usize, pl: i32, cp: usize, cl: i32, limit: i32): i32;
@external("wasmfn", "kv_increment")
declare function kv_increment(sp: usize, sl: i32, kp: usize, kl: i32, delta: i64, out: usize): i32;

/** One page of keys; pass `cursor` back for the next ("" on the last page). */
export class KeysPage {
  constructor(public keys: string[], public cursor: string) {}
}

export class kv {
  /** The value as UTF-8 text, or null when absent (lastError() == CapError.NOT_FOUND) or on error. */
  static get(key: string, store: string = ""): string | null {
    const v = kv.getBytes(key, store);
    return v === null ? null : String.UTF8.decode(v.buffer);
  }

  static getBytes(key: string, store: string = ""): Uint8Array | null {
    const s = new Utf8(store);
    const k = new Utf8(key);
    if (settle(kv_get(s.ptr, s.len, k.ptr, k.len)) < 0) return null;
    return Uint8Array.wrap(resultBuffer());
  }

  static set(key: string, value: string, store: string = ""): bool {
    return kv.setBytes(key, Uint8Array.wrap(String.UTF8.encode(value)), store);
  }

  static setBytes(key: string, value: Uint8Array, store: string = ""): bool {
    const s = new Utf8(store);
    const k = new Utf8(key);
    return settle(kv_set(s.ptr, s.len, k.ptr, k.len, value.dataStart, value.byteLength)) == 0;
  }

  /** True when the key was there and is gone; false when it was absent or on error (see lastError()). */
  static delete(key: string, store: string = ""): bool {
    const s = new Utf8(store);
    const k = new Utf8(key);
    return settle(kv_delete(s.ptr, s.len, k.ptr, k.len)) == 1;
  }

  static exists(key: string, store: string = ""): bool {
    const s = new Utf8(store);
    const k = new Utf8(key);
    return settle(kv_exists(s.ptr, s.len, k.ptr, k.len)) == 1;
  }

  /** Keys starting with `prefix` in byte order, after `cursor`, at most `limit` (1-1000); null on error. */
  static keys(prefix: string = "", cursor: string = "", limit: i32 = 100, store: string = ""): KeysPage | null {
    const s = new Utf8(store);
    const p = new Utf8(prefix);
    const c = new Utf8(cursor);
    if (settle(kv_keys(s.ptr, s.len, p.ptr, p.len, c.ptr, c.len, limit)) < 0) return null;
    const buf = resultBuffer();
    const base = changetype<usize>(buf);
    let off: usize = 0;
    const count = load<u32>(base);
    off += 4;
    const keys = new Array<string>();
    for (let i: u32 = 0; i < count; i++) {
      const n = load<u32>(base + off);
      keys.push(String.UTF8.decodeUnsafe(base + off + 4, n));
      off += 4 + <usize>n;
    }
    const cn = load<u32>(base + off);
    return new KeysPage(keys, String.UTF8.decodeUnsafe(base + off + 4, cn));
  }

  /** Adds `delta` to the counter (absent = 0) atomically and returns the new value; 0 on error (see lastError()). */
  static increment(key: string, delta: i64 = 1, store: string = ""): i64 {
    const s = new Utf8(store);
    const k = new Utf8(key);
    const out = new ArrayBuffer(8);
    if (settle(kv_increment(s.ptr, s.len, k.ptr, k.len, delta, changetype<usize>(out))) < 0) return 0;
    return load<i64>(changetype<usize>(out));
  }
}
