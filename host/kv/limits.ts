// The documented limits of the key-value store (docs/capabilities.md) and the checks that enforce them before a
// backend sees a call.

import { CapabilityError } from '../abi/capability-codes.js';

export const MAX_KEY_BYTES = 256;
export const MAX_VALUE_BYTES = 1024 * 1024;
/** Key-value operations per invocation. */
export const MAX_KV_OPS = 1000;
/** Per-function store size cap, `kvMb` in the deploy config. */
export const DEFAULT_KV_MB = 64;
export const MAX_KEYS_PAGE = 1000;
export const DEFAULT_KEYS_PAGE = 100;
/** Store names are function names (a function's own store) or shared stores named in a config. */
export const STORE_NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkKey(key: string): string {
  if (key.length === 0) throw new CapabilityError('invalid', 'a key must not be empty');
  const n = Buffer.byteLength(key, 'utf8');
  if (n > MAX_KEY_BYTES) throw new CapabilityError('key_too_large', `key of ${n} bytes is over the limit of ${MAX_KEY_BYTES}`);
  if (key.includes('\0')) throw new CapabilityError('invalid', 'a key must not contain NUL');
  return key;
}

export function checkValue(value: Uint8Array): Uint8Array {
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw new CapabilityError('value_too_large', `value of ${value.byteLength} bytes is over the limit of ${MAX_VALUE_BYTES}`);
  }
  return value;
}

export function checkStoreName(store: string): string {
  if (!STORE_NAME_RE.test(store)) throw new CapabilityError('invalid', `invalid store name "${store.slice(0, 80)}"`);
  return store;
}

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

/** The stored integer a counter holds: ASCII decimal, as `increment` writes it. */
export function parseCounter(value: Uint8Array | null): bigint {
  if (value === null) return 0n;
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  if (!/^-?[0-9]{1,19}$/.test(text)) throw new CapabilityError('not_a_number', 'the value is not a decimal integer');
  const n = BigInt(text);
  if (n < I64_MIN || n > I64_MAX) throw new CapabilityError('not_a_number', 'the value is outside the 64-bit range');
  return n;
}

export function addCounter(current: bigint, delta: bigint): bigint {
  const next = current + delta;
  if (next < I64_MIN || next > I64_MAX) throw new CapabilityError('invalid', 'the counter would leave the 64-bit range');
  return next;
}
