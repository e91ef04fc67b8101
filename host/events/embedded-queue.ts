// The embedded queue: rows in the data dir's SQLite database (tables queue_*). Every state change is one
// committed transaction, so a kill -9 at any moment leaves each invocation queued, running or done; rows left
// running by a dead process are queued again when the next one opens the queue.

import { openEmbeddedDb, type EmbeddedDb } from '../store/embedded-db.js';
import { WasmfnError } from '../errors.js';
import type { AsyncQueue, Claimed, Settlement } from './queue.js';
import type { Invocation, InvocationState } from './invocation.js';

interface Row {
  id: string; function: string; version: string; status: string; attempts: number; attempt_base: number;
  created_at: number; started_at: number | null; finished_at: number | null; next_at: number;
  policy: string; callback_url: string | null; result: string | null; error: string | null;
  method: string; path: string; query: string; headers: string; body: Buffer;
}

const STATE_COLUMNS = 'id, function, version, status, attempts, attempt_base, created_at, started_at, finished_at, next_at, policy, callback_url, result, error';

/** How often finished rows past the retention are deleted. */
const PURGE_EVERY_MS = 60_000;

export class EmbeddedQueue implements AsyncQueue {
  private readonly db: EmbeddedDb;
  private readonly release: () => void;
  private waiters: (() => void)[] = [];
  private closed = false;
  private stopping = false;
  private readonly purgeTimer: NodeJS.Timeout;
  private readonly stmts;

  constructor(dataDir: string, private readonly retentionMs: number) {
    ({ db: this.db, release: this.release } = openEmbeddedDb(dataDir));
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS queue_invocations (
        id TEXT PRIMARY KEY, function TEXT NOT NULL, version TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL, attempt_base INTEGER NOT NULL, created_at INTEGER NOT NULL,
        started_at INTEGER, finished_at INTEGER, next_at INTEGER NOT NULL, policy TEXT NOT NULL,
        callback_url TEXT, result TEXT, error TEXT,
        method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS queue_invocations_due ON queue_invocations (next_at) WHERE status IN ('queued', 'failed');
      CREATE INDEX IF NOT EXISTS queue_invocations_dead ON queue_invocations (function, finished_at) WHERE status = 'dead';
      CREATE INDEX IF NOT EXISTS queue_invocations_finished ON queue_invocations (finished_at) WHERE finished_at IS NOT NULL;
    `);
    this.stmts = {
      insert: this.db.prepare(`INSERT INTO queue_invocations (${STATE_COLUMNS}, method, path, query, headers, body)
        VALUES (@id, @function, @version, @status, @attempts, @attempt_base, @created_at, @started_at, @finished_at, @next_at, @policy, @callback_url, @result, @error, @method, @path, @query, @headers, @body)`),
      get: this.db.prepare(`SELECT ${STATE_COLUMNS} FROM queue_invocations WHERE id = ?`),
      claim: this.db.prepare(`UPDATE queue_invocations SET status = 'running', attempts = attempts + 1, started_at = @now
        WHERE id = (SELECT id FROM queue_invocations WHERE status IN ('queued', 'failed') AND next_at <= @now ORDER BY next_at LIMIT 1)
        RETURNING *`),
      nextDue: this.db.prepare(`SELECT MIN(next_at) AS t FROM queue_invocations WHERE status IN ('queued', 'failed')`),
      settle: this.db.prepare(`UPDATE queue_invocations SET status = @status, version = @version, finished_at = @finished_at,
        next_at = @next_at, result = @result, error = @error WHERE id = @id RETURNING ${STATE_COLUMNS}`),
      dead: this.db.prepare(`SELECT ${STATE_COLUMNS} FROM queue_invocations WHERE function = ? AND status = 'dead' ORDER BY finished_at DESC LIMIT ?`),
      retry: this.db.prepare(`UPDATE queue_invocations SET status = 'queued', attempt_base = attempts, next_at = @now, finished_at = NULL,
        result = NULL, error = NULL WHERE id = @id AND status = 'dead' RETURNING ${STATE_COLUMNS}`),
      release: this.db.prepare(`UPDATE queue_invocations SET status = 'queued', attempts = attempts - 1, next_at = max(next_at, ?) WHERE id = ? AND status = 'running'`),
      purge: this.db.prepare(`DELETE FROM queue_invocations WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN ('succeeded', 'dead')`),
    };
    // Whatever was running when the last process died runs again: at least once.
    this.db.prepare(`UPDATE queue_invocations SET status = 'queued', next_at = ? WHERE status = 'running'`).run(Date.now());
    this.purge();
    this.purgeTimer = setInterval(() => this.purge(), PURGE_EVERY_MS).unref();
  }

  async enqueue(inv: Invocation): Promise<void> {
    this.stmts.insert.run({
      ...stateParams(inv),
      method: inv.request.method, path: inv.request.path, query: inv.request.query,
      headers: JSON.stringify(inv.request.rawHeaders), body: Buffer.from(inv.request.body.buffer, inv.request.body.byteOffset, inv.request.body.byteLength),
    });
    this.wake();
  }

  async get(id: string): Promise<InvocationState | null> {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row ? toState(row) : null;
  }

  async deadLetters(fn: string, limit: number): Promise<InvocationState[]> {
    return (this.stmts.dead.all(fn, limit) as Row[]).map(toState);
  }

  async retry(id: string): Promise<InvocationState> {
    const row = this.stmts.retry.get({ id, now: Date.now() }) as Row | undefined;
    if (!row) {
      const s = await this.get(id);
      if (!s) throw new WasmfnError('not_found', `no invocation "${id}"`);
      throw new WasmfnError('conflict', `invocation "${id}" is ${s.status}: only a dead invocation can be retried`);
    }
    this.wake();
    return toState(row);
  }

  async take(waitMs: number): Promise<Claimed | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.closed || this.stopping) return null;
      const row = this.stmts.claim.get({ now: Date.now() }) as Row | undefined;
      if (row) return this.claimed(row);
      const now = Date.now();
      if (now >= deadline) return null;
      const due = (this.stmts.nextDue.get() as { t: number | null }).t;
      const until = Math.min(deadline, due ?? deadline);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, until - now));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(done);
      });
    }
  }

  interrupt(): void {
    this.stopping = true;
    this.wake();
  }

  /** One process owns a data dir: every tick is its own. */
  async claimTick(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.purgeTimer);
    this.wake();
    this.release();
  }

  private claimed(row: Row): Claimed {
    const inv: Invocation = {
      ...toState(row),
      request: { method: row.method, path: row.path, query: row.query, rawHeaders: JSON.parse(row.headers) as string[], body: new Uint8Array(row.body) },
    };
    return {
      inv,
      settle: async (s: Settlement) => {
        const now = Date.now();
        const row2 = this.stmts.settle.get({
          id: inv.id, status: s.status, version: s.version,
          finished_at: s.status === 'failed' ? null : now,
          next_at: s.status === 'failed' ? now + s.retryInMs : inv.nextAt,
          result: 'result' in s && s.result ? JSON.stringify(s.result) : null,
          error: 'error' in s ? JSON.stringify(s.error) : null,
        }) as Row;
        if (s.status === 'failed') this.wake();
        return toState(row2);
      },
      release: async (delayMs = 0) => {
        if (!this.closed) this.stmts.release.run(Date.now() + delayMs, inv.id);
        if (delayMs > 0) this.wake();
      },
    };
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private purge(): void {
    if (!this.closed) this.stmts.purge.run(Date.now() - this.retentionMs);
  }
}

function stateParams(s: InvocationState): Record<string, unknown> {
  return {
    id: s.id, function: s.function, version: s.version, status: s.status, attempts: s.attempts, attempt_base: s.attemptBase,
    created_at: s.createdAt, started_at: s.startedAt, finished_at: s.finishedAt, next_at: s.nextAt,
    policy: JSON.stringify(s.policy), callback_url: s.callbackUrl,
    result: s.result ? JSON.stringify(s.result) : null, error: s.error ? JSON.stringify(s.error) : null,
  };
}

function toState(r: Row): InvocationState {
  return {
    id: r.id, function: r.function, version: r.version, status: r.status as InvocationState['status'],
    attempts: r.attempts, attemptBase: r.attempt_base, createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
    nextAt: r.next_at, policy: JSON.parse(r.policy), callbackUrl: r.callback_url,
    result: r.result ? JSON.parse(r.result) : null, error: r.error ? JSON.parse(r.error) : null,
  };
}
