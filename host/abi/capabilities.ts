// The capability imports of the `wasmfn` module (byte formats in functions/sdk/README.md, "Capabilities"): key-value,
// outbound HTTP and config. Each returns an i32: >= 0 on success (a length, a count or a flag), a negative code of
// abi/capability-codes.ts on failure. A variable-length answer (a value, a page of keys, a response, an error's
// message) is kept as the call's result, read with result_len/result_read until the next capability call.
// Key-value and HTTP calls cross to the host through the bridge; config.get is answered here.

import { WasmfnError } from '../errors.js';
import { CAP_ERRORS, type CapFailure } from './capability-codes.js';
import type { CapabilityBridge, CapReply, CapRequest, FetchReply, KeysPage } from './capability-bridge.js';
import { frozenFunctions } from './import-object.js';

export const CAPABILITY_IMPORTS: readonly string[] = [
  'result_len', 'result_read', 'kv_get', 'kv_set', 'kv_delete', 'kv_exists', 'kv_keys', 'kv_increment', 'http_fetch', 'config_get',
];

export interface CapabilityTarget {
  memory: WebAssembly.Memory;
  capabilities?: CapabilityBridge;
  /** The call's identity: a result is only ever read back by the call that made it. */
  request: object;
  config(): Readonly<Record<string, string>>;
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function capabilityFunctions(target: () => CapabilityTarget): Readonly<Record<string, (...args: never[]) => unknown>> {
  let result: Uint8Array = EMPTY;
  let owner: object | null = null;

  const setResult = (t: CapabilityTarget, bytes: Uint8Array): void => {
    result = bytes;
    owner = t.request;
  };
  const fail = (t: CapabilityTarget, e: CapFailure): number => {
    setResult(t, Buffer.from(`${e.code}: ${e.message}`, 'utf8'));
    return CAP_ERRORS[e.code];
  };
  const view = (t: CapabilityTarget, ptr: number, len: number, what: string): Uint8Array => {
    const at = ptr >>> 0;
    const n = len >>> 0;
    const buf = t.memory.buffer;
    if (at + n > buf.byteLength) throw new WasmfnError('trap', `${what}: ${n} bytes at ${at} are outside memory`);
    return new Uint8Array(buf, at, n);
  };
  const text = (t: CapabilityTarget, ptr: number, len: number, what: string): string | null => {
    try {
      return utf8.decode(view(t, ptr, len, what));
    } catch (e) {
      if (e instanceof WasmfnError) throw e;
      return null;
    }
  };
  /** Runs a bridged call; on success `ok` turns the value into the import's return. */
  const bridged = (t: CapabilityTarget, req: CapRequest, ok: (v: CapReply & { ok: true }) => number): number => {
    const reply = t.capabilities ? t.capabilities.call(req) : { ok: false as const, error: { code: 'unavailable' as const, message: 'no capability host' } };
    if (!reply.ok) return fail(t, reply.error);
    return ok(reply);
  };
  const storeAndKey = (t: CapabilityTarget, sp: number, sl: number, kp: number, kl: number): { store: string; key: string } | null => {
    const store = text(t, sp, sl, 'store');
    const key = text(t, kp, kl, 'key');
    return store === null || key === null ? null : { store, key };
  };
  const invalidUtf8 = (t: CapabilityTarget): number => fail(t, { code: 'invalid', message: 'store names, keys and URLs must be valid UTF-8' });

  return frozenFunctions({
    result_len: (): number => (owner === target().request ? result.byteLength : 0),
    result_read: (ptr: number): void => {
      const t = target();
      const bytes = owner === t.request ? result : EMPTY;
      view(t, ptr, bytes.byteLength, 'result_read').set(bytes);
    },
    kv_get: (sp: number, sl: number, kp: number, kl: number): number => {
      const t = target();
      const sk = storeAndKey(t, sp, sl, kp, kl);
      if (!sk) return invalidUtf8(t);
      return bridged(t, { op: 'kv_get', ...sk }, (r) => {
        if (r.value === null) return fail(t, { code: 'not_found', message: 'no such key' });
        setResult(t, r.value as Uint8Array);
        return (r.value as Uint8Array).byteLength;
      });
    },
    kv_set: (sp: number, sl: number, kp: number, kl: number, vp: number, vl: number): number => {
      const t = target();
      const sk = storeAndKey(t, sp, sl, kp, kl);
      if (!sk) return invalidUtf8(t);
      return bridged(t, { op: 'kv_set', ...sk, value: view(t, vp, vl, 'kv_set value').slice() }, () => 0);
    },
    kv_delete: (sp: number, sl: number, kp: number, kl: number): number => {
      const t = target();
      const sk = storeAndKey(t, sp, sl, kp, kl);
      if (!sk) return invalidUtf8(t);
      return bridged(t, { op: 'kv_delete', ...sk }, (r) => (r.value ? 1 : 0));
    },
    kv_exists: (sp: number, sl: number, kp: number, kl: number): number => {
      const t = target();
      const sk = storeAndKey(t, sp, sl, kp, kl);
      if (!sk) return invalidUtf8(t);
      return bridged(t, { op: 'kv_exists', ...sk }, (r) => (r.value ? 1 : 0));
    },
    kv_keys: (sp: number, sl: number, pp: number, pl: number, cp: number, cl: number, limit: number): number => {
      const t = target();
      const store = text(t, sp, sl, 'store');
      const prefix = text(t, pp, pl, 'prefix');
      const cursor = text(t, cp, cl, 'cursor');
      if (store === null || prefix === null || cursor === null) return invalidUtf8(t);
      return bridged(t, { op: 'kv_keys', store, prefix, cursor, limit: limit | 0 }, (r) => {
        const bytes = encodeKeysPage(r.value as KeysPage);
        setResult(t, bytes);
        return bytes.byteLength;
      });
    },
    kv_increment: (sp: number, sl: number, kp: number, kl: number, delta: bigint, outPtr: number): number => {
      const t = target();
      const sk = storeAndKey(t, sp, sl, kp, kl);
      if (!sk) return invalidUtf8(t);
      const out = view(t, outPtr, 8, 'kv_increment result');
      return bridged(t, { op: 'kv_increment', ...sk, delta: BigInt.asIntN(64, BigInt(delta)) }, (r) => {
        // Written through a fresh view: the memory may have grown (and its buffer changed) since `out` was made.
        new DataView(t.memory.buffer, out.byteOffset, 8).setBigInt64(0, r.value as bigint, true);
        return 0;
      });
    },
    http_fetch: (ptr: number, len: number): number => {
      const t = target();
      const req = decodeFetchRequest(view(t, ptr, len, 'http_fetch'));
      if (typeof req === 'string') return fail(t, { code: 'invalid', message: req });
      return bridged(t, req, (r) => {
        const bytes = encodeFetchReply(r.value as FetchReply);
        setResult(t, bytes);
        return bytes.byteLength;
      });
    },
    config_get: (np: number, nl: number): number => {
      const t = target();
      const name = text(t, np, nl, 'config_get');
      const cfg = t.config();
      if (name === null || !Object.prototype.hasOwnProperty.call(cfg, name)) return fail(t, { code: 'not_found', message: 'no such variable or secret' });
      const bytes = Buffer.from(cfg[name]!, 'utf8');
      setResult(t, bytes);
      return bytes.byteLength;
    },
  } as Record<string, (...args: never[]) => unknown>);
}

/** u32 count, (u32 length, UTF-8 key)*, u32 cursor length, cursor (empty: the last page). */
export function encodeKeysPage(p: KeysPage): Uint8Array {
  const parts = p.keys.map((k) => Buffer.from(k, 'utf8'));
  const cursor = Buffer.from(p.cursor ?? '', 'utf8');
  const out = Buffer.alloc(8 + parts.reduce((n, b) => n + 4 + b.length, 0) + cursor.length);
  let off = out.writeUInt32LE(parts.length, 0);
  for (const b of parts) {
    off = out.writeUInt32LE(b.length, off);
    off += b.copy(out, off);
  }
  off = out.writeUInt32LE(cursor.length, off);
  cursor.copy(out, off);
  return out;
}

/** The SDK's response layout: u32 status, u32 header count, (str name, str value)*, u32 body length, body. */
export function encodeFetchReply(r: FetchReply): Uint8Array {
  const hs = r.headers.map(([n, v]) => [Buffer.from(n, 'latin1'), Buffer.from(v, 'latin1')] as const);
  const out = Buffer.alloc(12 + hs.reduce((n, [a, b]) => n + 8 + a.length + b.length, 0) + r.body.byteLength);
  let off = out.writeUInt32LE(r.status, 0);
  off = out.writeUInt32LE(hs.length, off);
  for (const [a, b] of hs) {
    off = out.writeUInt32LE(a.length, off);
    off += a.copy(out, off);
    off = out.writeUInt32LE(b.length, off);
    off += b.copy(out, off);
  }
  off = out.writeUInt32LE(r.body.byteLength, off);
  out.set(r.body, off);
  return out;
}

/** str method, str url, u32 header count, (str name, str value)*, u32 body length, body; or why it is malformed. */
export function decodeFetchRequest(bytes: Uint8Array): CapRequest | string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  const u32 = (): number | null => {
    if (off + 4 > b.length) return null;
    const v = b.readUInt32LE(off);
    off += 4;
    return v;
  };
  const str = (): string | null => {
    const n = u32();
    if (n === null || n > b.length - off) return null;
    const s = b.toString('utf8', off, off + n);
    off += n;
    return s;
  };
  const method = str();
  const url = str();
  const count = u32();
  if (method === null || url === null || count === null || count > 256) return 'malformed fetch request';
  const headers: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const n = str();
    const v = str();
    if (n === null || v === null) return 'malformed fetch request headers';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(n) || /[\0\r\n]/.test(v)) return `invalid request header "${n.slice(0, 80)}"`;
    headers.push([n, v]);
  }
  const n = u32();
  if (n === null || n !== b.length - off) return 'malformed fetch request body';
  return { op: 'http_fetch', method, url, headers, body: bytes.slice(off, off + n) };
}
