// GET /api/functions/:name/logs/stream: the logs route as server-sent events, so a page sees each invocation as
// it ends. One `invocation` event per call (id: its seq), a `hello` event first with the host id, `gone` when the
// function is deleted; a comment line now and then keeps proxies from closing an idle stream.

import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { WasmfnError } from '../errors.js';
import { bearerAuth } from './auth.js';
import { checkName } from '../store/deploy-config.js';
import type { ObserveRouteDeps } from './observe-routes.js';
import { toLogEntry, type LogEntry } from '../observe/log-entry.js';

type App = Hono<{ Variables: { requestId: string } }>;

export interface LogStreamDeps extends ObserveRouteDeps {
  /** Aborted when the host shuts down, so open streams end (within a poll) instead of holding the shutdown. */
  closing: AbortSignal;
  /** How often new entries are looked for, default 200 ms. */
  pollMs?: number;
  /** In cluster mode, every replica's invocations (`after` pages on its sequence); else this host's ring. */
  sharedLogs?: { list(name: string, limit: number, after: number): Promise<LogEntry[]> };
}

const KEEPALIVE_MS = 15_000;
const BACKLOG_DEFAULT = 50;
const BACKLOG_MAX = 200;

export function mountLogStreamRoute(app: App, token: string, d: LogStreamDeps): void {
  app.get('/api/functions/:name/logs/stream', bearerAuth(token), (c) => {
    const name = checkName(c.req.param('name'));
    if (!d.registry.get(name)) throw new WasmfnError('function_not_found', `no function named "${name}"`);
    let after = intQuery(c.req.query('after'), 'after', 0, Number.MAX_SAFE_INTEGER);
    // EventSource sends the last id it saw when it reconnects.
    const lastId = c.req.header('last-event-id');
    if (lastId !== undefined && /^\d{1,15}$/.test(lastId)) after = Number(lastId);
    const backlog = intQuery(c.req.query('limit'), 'limit', BACKLOG_DEFAULT, BACKLOG_MAX);
    const pollMs = d.pollMs ?? 200;
    // The loop looks at `closing` on every round rather than listening to it: many open streams would each add
    // a listener to the one signal.
    return streamSSE(c, async (stream) => {
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ function: name, hostId: d.hostId }) });
      let limit = backlog;
      let quietSince = Date.now();
      while (!stream.aborted && !d.closing.aborted) {
        if (!d.registry.get(name)) {
          await stream.writeSSE({ event: 'gone', data: JSON.stringify({ function: name }) });
          return;
        }
        d.catchUp();
        const entries = d.sharedLogs ? await d.sharedLogs.list(name, limit, after) : d.recent.list(name, limit, after).map(toLogEntry);
        limit = BACKLOG_MAX;
        for (const e of entries) {
          await stream.writeSSE({ event: 'invocation', id: String(e.seq), data: JSON.stringify(e) });
          after = e.seq;
        }
        if (entries.length) quietSince = Date.now();
        else if (Date.now() - quietSince > KEEPALIVE_MS) {
          await stream.write(': keepalive\n\n');
          quietSince = Date.now();
        }
        await stream.sleep(pollMs);
      }
    });
  });
}

function intQuery(raw: string | undefined, key: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > max) throw new WasmfnError('bad_request', `${key} must be an integer from 0 to ${max}`);
  return n;
}
