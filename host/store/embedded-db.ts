// The embedded store every shared feature keeps its rows in when no cluster is configured: one SQLite database
// in the data dir (better-sqlite3), opened once per process and shared. Each feature creates its own tables
// (CREATE TABLE IF NOT EXISTS at open) and names them with its own prefix (queue_, kv_, topic_, ...).

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type EmbeddedDb = Database.Database;

/** File name of the embedded database inside the data dir. */
export const EMBEDDED_DB_FILE = 'wasmfn.db';

const open = new Map<string, { db: EmbeddedDb; users: number }>();

/**
 * The data dir's database, opened on first use. WAL with synchronous=NORMAL: a committed transaction survives the
 * process being killed at any moment (kill -9); a power loss may lose the last transactions, never corrupt the file.
 * Call release() once per openEmbeddedDb() when done; the last release closes it.
 */
export function openEmbeddedDb(dataDir: string): { db: EmbeddedDb; release: () => void } {
  const file = path.join(path.resolve(dataDir), EMBEDDED_DB_FILE);
  let entry = open.get(file);
  if (!entry) {
    // Private like every file of the data dir, whatever the umask: SQLite gives its -wal and -shm files the
    // database file's mode.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Another process (a CLI, a second host on the same dir by mistake) waits for the lock instead of failing at once.
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    entry = { db, users: 0 };
    open.set(file, entry);
  }
  entry.users++;
  const e = entry;
  let released = false;
  return {
    db: e.db,
    release: () => {
      if (released) return;
      released = true;
      if (--e.users === 0) {
        open.delete(file);
        e.db.close();
      }
    },
  };
}
