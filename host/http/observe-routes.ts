// GET /metrics (open, Prometheus text) and the admin GET /api/functions/:name/logs and /usage routes.

import type { Hono, Context } from 'hono';
import { WasmfnError } from '../errors.js';
import { bearerAuth } from './auth.js';
import { checkName } from '../store/deploy-config.js';
import type { Registry } from '../store/registry.js';
import type { HostMetrics } from '../observe/metrics.js';
import type { RecentEntry, RecentInvocations } from '../observe/recent-invocations.js';
import type { UsageStore } from '../observe/usage-store.js';
import { parseIsoDateTime, type UsageBucket, type UsageSummary } from '../observe/usage-buckets.js';
import { toLogEntry, type LogEntry } from '../observe/log-entry.js';

type App = Hono<{ Variables: { requestId: string } }>;

export interface ObserveRouteDeps {
  registry: Registry;
  metrics: HostMetrics;
  recent: RecentInvocations;
  usage: UsageStore;
  /** Changes on every host start, so a `logs --follow` client knows its `after` cursor no longer applies. */
  hostId: string;
  /** Processes records still queued, so a read right after an invocation sees it. */
  catchUp: () => void;
  /** In cluster mode: usage and logs of every replica instead of this one's. */
  shared?: {
    usage: { has(name: string): Promise<boolean>; summary(name: string, sinceMs: number | null): Promise<UsageSummary>; buckets(name: string): Promise<UsageBucket[]> };
    logs: { list(name: string, limit: number, after: number): Promise<LogEntry[]>; last(name: string): Promise<LogEntry | null> };
  };
}

export const DEFAULT_LOGS_LIMIT = 100;
const MAX_LOGS_LIMIT = 100_000;

/** Registered on the app itself, before the /api admin router, so these routes answer first. */
export function mountObserveRoutes(app: App, token: string, d: ObserveRouteDeps): void {
  app.get('/metrics', async (c) => {
    d.catchUp();
    return c.body(await d.metrics.text(), 200, { 'content-type': d.metrics.contentType });
  });

  const auth = bearerAuth(token);

  app.get('/api/functions/:name/logs', auth, async (c) => {
    const name = checkName(c.req.param('name'));
    if (!d.registry.get(name)) throw new WasmfnError('function_not_found', `no function named "${name}"`);
    const limit = intParam(c, 'limit', DEFAULT_LOGS_LIMIT, 1, MAX_LOGS_LIMIT);
    const after = intParam(c, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    d.catchUp();
    const invocations = d.shared ? await d.shared.logs.list(name, limit, after) : d.recent.list(name, limit, after).map(toLogEntry);
    return c.json({ function: name, hostId: d.hostId, invocations });
  });

  app.get('/api/functions/:name/usage', auth, async (c) => {
    const name = checkName(c.req.param('name'));
    d.catchUp();
    // A deleted function's history stays readable: it was used, and usage is what gets billed.
    if (!d.registry.get(name) && !(d.shared ? await d.shared.usage.has(name) : d.usage.has(name))) throw new WasmfnError('function_not_found', `no function named "${name}"`);
    const raw = c.req.query('since');
    let sinceMs: number | null = null;
    if (raw !== undefined) {
      sinceMs = parseIsoDateTime(raw);
      if (sinceMs === null) throw new WasmfnError('bad_request', 'since must be an ISO 8601 date-time like 2025-01-31T12:00:00Z');
    }
    const summary = d.shared ? await d.shared.usage.summary(name, sinceMs) : d.usage.summary(name, sinceMs);
    return c.json({ function: name, since: sinceMs === null ? null : new Date(sinceMs).toISOString(), ...summary });
  });
}

function intParam(c: Context, key: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(key);
  if (raw === undefined) return fallback;
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new WasmfnError('bad_request', `${key} must be an integer from ${min} to ${max}`);
  return n;
}

export type { LogEntry } from '../observe/log-entry.js';

