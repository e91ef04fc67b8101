// The key-value store's one interface, implemented embedded (kv/embedded.ts, SQLite in the data dir) and on the
// cluster (cluster/kv-jetstream.ts, a JetStream KV bucket per store). Keys are UTF-8 strings, values bytes; checks
// of sizes and names happen before a backend is called (kv/limits.ts). Failures are CapabilityErrors.

import type { KeysPage } from '../abi/capability-bridge.js';

export type { KeysPage } from '../abi/capability-bridge.js';

export interface KvBackend {
  get(store: string, key: string): Promise<Uint8Array | null>;
  /** Refused with `store_full` when the store would grow past `capBytes` (shrinking writes always pass). */
  set(store: string, key: string, value: Uint8Array, capBytes: number): Promise<void>;
  /** True when the key was there. */
  delete(store: string, key: string): Promise<boolean>;
  exists(store: string, key: string): Promise<boolean>;
  /** Keys starting with `prefix`, in byte order, after `cursor` ('' = from the start), at most `limit`. */
  keys(store: string, prefix: string, cursor: string, limit: number): Promise<KeysPage>;
  /** Adds `delta` to the decimal integer stored under the key (absent = 0), atomically; the new value. */
  increment(store: string, key: string, delta: bigint, capBytes: number): Promise<bigint>;
  close(): Promise<void>;
}
