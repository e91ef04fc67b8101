// The one door from a guest's capability imports (abi/capabilities.ts) to the host: a synchronous call that the
// sandbox answers, in a worker by blocking until the main thread has done the work (sandbox/capability-client.ts).

import type { CapFailure } from './capability-codes.js';

export interface KeysPage {
  keys: string[];
  /** Pass back to get the next page; null on the last one. */
  cursor: string | null;
}

export interface FetchReply {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export type CapRequest =
  | { op: 'kv_get' | 'kv_delete' | 'kv_exists'; store: string; key: string }
  | { op: 'kv_set'; store: string; key: string; value: Uint8Array }
  | { op: 'kv_keys'; store: string; prefix: string; cursor: string; limit: number }
  | { op: 'kv_increment'; store: string; key: string; delta: bigint }
  | { op: 'http_fetch'; method: string; url: string; headers: [string, string][]; body: Uint8Array };

export type CapValue = Uint8Array | null | boolean | bigint | KeysPage | FetchReply | undefined;

export type CapReply = { ok: true; value: CapValue } | { ok: false; error: CapFailure };

export interface CapabilityBridge {
  call(req: CapRequest): CapReply;
}

/** Where no host is listening (the HTTP thread's fast path, which never runs a function with capabilities). */
export const NO_CAPABILITIES: CapabilityBridge = {
  call: () => ({ ok: false, error: { code: 'unavailable', message: 'capabilities are not available on this thread' } }),
};
