// GET /api/usage/minutes: every function's last minutes, one point per minute, with the window's totals and its
// last call; what a dashboard draws in one request instead of one per function.

import type { Hono } from 'hono';
import { WasmfnError } from '../errors.js';
import { bearerAuth } from './auth.js';
import { checkName } from '../store/deploy-config.js';
import { MINUTE_MS, summarize } from '../observe/usage-buckets.js';
import { minuteSeries } from '../observe/usage-series.js';
import type { ObserveRouteDeps } from './observe-routes.js';

type App = Hono<{ Variables: { requestId: string } }>;

/** Minute buckets are kept six hours before they are rolled into hours. */
export const MAX_SERIES_MINUTES = 360;
const DEFAULT_SERIES_MINUTES = 60;

export function mountUsageMinutesRoute(app: App, token: string, d: ObserveRouteDeps): void {
  app.get('/api/usage/minutes', bearerAuth(token), async (c) => {
    const raw = c.req.query('minutes');
    const minutes = raw === undefined ? DEFAULT_SERIES_MINUTES : /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!(minutes >= 1 && minutes <= MAX_SERIES_MINUTES)) throw new WasmfnError('bad_request', `minutes must be an integer from 1 to ${MAX_SERIES_MINUTES}`);
    const one = c.req.query('function');
    let names: string[];
    if (one !== undefined) {
      checkName(one);
      if (!d.registry.get(one)) throw new WasmfnError('function_not_found', `no function named "${one}"`);
      names = [one];
    } else {
      names = d.registry.list().map((f) => f.meta.name);
    }
    d.catchUp();
    const now = Date.now();
    const from = now - (minutes - 1) * MINUTE_MS;
    const functions = await Promise.all(names.map(async (name) => {
      // In a cluster: every replica's buckets and the newest call on any of them.
      const buckets = d.shared ? await d.shared.usage.buckets(name) : d.usage.buckets(name);
      const s = summarize(buckets, from - (from % MINUTE_MS), now);
      const local = d.recent.list(name, 1, 0)[0];
      const lastCall = d.shared ? ((await d.shared.logs.last(name))?.time ?? null) : local ? new Date(local.record.time).toISOString() : null;
      const total = s.invocations.total;
      return {
        function: name,
        lastCall,
        summary: { invocations: total, errors: total - (s.invocations.byOutcome.ok ?? 0), p50: s.wallTimeMs.p50, p99: s.wallTimeMs.p99 },
        points: minuteSeries(buckets, from, now),
      };
    }));
    return c.json({ stepMs: MINUTE_MS, minutes, to: new Date(now).toISOString(), functions });
  });
}
