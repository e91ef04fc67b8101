// The embedded key-value backend: rows in the data dir's SQLite database (store/embedded-db.ts), tables kv_*.
// Each store's size (key and value bytes) is kept beside its rows, in the same transaction as every write.

import { CapabilityError } from '../abi/capability-codes.js';
import { openEmbeddedDb, type EmbeddedDb } from '../store/embedded-db.js';
import type { KeysPage, KvBackend } from './backend.js';
import { addCounter, parseCounter } from './limits.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv_entries (store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv_sizes (store TEXT PRIMARY KEY, bytes INTEGER NOT NULL) WITHOUT ROWID;
`;

export class EmbeddedKv implements KvBackend {
  private readonly db: EmbeddedDb;
  private readonly release: () => void;
  private readonly stmts;
  private readonly write: (store: string, key: string, value: Uint8Array, capBytes: number) => void;
  private readonly del: (store: string, key: string) => boolean;
  private readonly incr: (store: string, key: string, delta: bigint, capBytes: number) => bigint;

  constructor(dataDir: string) {
    const { db, release } = openEmbeddedDb(dataDir);
    this.db = db;
    this.release = release;
    db.exec(SCHEMA);
    const s = {
      get: db.prepare<[string, string], { value: Buffer }>('SELECT value FROM kv_entries WHERE store = ? AND key = ?'),
      has: db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM kv_entries WHERE store = ? AND key = ?'),
      put: db.prepare('INSERT INTO kv_entries (store, key, value) VALUES (?, ?, ?) ON CONFLICT (store, key) DO UPDATE SET value = excluded.value'),
      remove: db.prepare('DELETE FROM kv_entries WHERE store = ? AND key = ?'),
      size: db.prepare<[string], { bytes: number }>('SELECT bytes FROM kv_sizes WHERE store = ?'),
      setSize: db.prepare('INSERT INTO kv_sizes (store, bytes) VALUES (?, ?) ON CONFLICT (store) DO UPDATE SET bytes = excluded.bytes'),
      keys: db.prepare<[string, string, string, number], { key: string }>(
        'SELECT key FROM kv_entries WHERE store = ? AND key >= ? AND key > ? ORDER BY key LIMIT ?'),
    };
    this.stmts = s;
    const sizeOf = (store: string): number => s.size.get(store)?.bytes ?? 0;
    const put = (store: string, key: string, value: Uint8Array, capBytes: number): void => {
      const old = s.get.get(store, key);
      const keyBytes = Buffer.byteLength(key, 'utf8');
      const before = sizeOf(store);
      const after = before - (old ? keyBytes + old.value.byteLength : 0) + keyBytes + value.byteLength;
      if (after > capBytes && after > before) {
        throw new CapabilityError('store_full', `store "${store}" would hold ${after} bytes, over its cap of ${capBytes}`);
      }
      s.put.run(store, key, value);
      s.setSize.run(store, after);
    };
    this.write = db.transaction(put);
    this.del = db.transaction((store: string, key: string): boolean => {
      const old = s.get.get(store, key);
      if (!old) return false;
      s.remove.run(store, key);
      s.setSize.run(store, Math.max(0, sizeOf(store) - Buffer.byteLength(key, 'utf8') - old.value.byteLength));
      return true;
    });
    this.incr = db.transaction((store: string, key: string, delta: bigint, capBytes: number): bigint => {
      const next = addCounter(parseCounter(s.get.get(store, key)?.value ?? null), delta);
      put(store, key, Buffer.from(next.toString(), 'latin1'), capBytes);
      return next;
    });
  }

  async get(store: string, key: string): Promise<Uint8Array | null> {
    return this.stmts.get.get(store, key)?.value ?? null;
  }

  async set(store: string, key: string, value: Uint8Array, capBytes: number): Promise<void> {
    this.write(store, key, value, capBytes);
  }

  async delete(store: string, key: string): Promise<boolean> {
    return this.del(store, key);
  }

  async exists(store: string, key: string): Promise<boolean> {
    return this.stmts.has.get(store, key) !== undefined;
  }

  async keys(store: string, prefix: string, cursor: string, limit: number): Promise<KeysPage> {
    // Rows from the prefix on, in byte order: the prefixed ones come first and end at the first that is not.
    const rows = this.stmts.keys.all(store, prefix, cursor, limit + 1);
    const keys: string[] = [];
    for (const { key } of rows) {
      if (!key.startsWith(prefix)) break;
      keys.push(key);
    }
    const more = keys.length > limit;
    if (more) keys.length = limit;
    return { keys, cursor: more ? keys[keys.length - 1]! : null };
  }

  async increment(store: string, key: string, delta: bigint, capBytes: number): Promise<bigint> {
    return this.incr(store, key, delta, capBytes);
  }

  async close(): Promise<void> {
    this.release();
  }
}
