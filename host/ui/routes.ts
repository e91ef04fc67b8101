// The dashboard: `/` sends a browser to /ui/, which serves the built page and its two assets, and the
// benchmark's report when one has been produced. The page itself calls the admin API with the token it is given.

import fs from 'node:fs';
import path from 'node:path';
import type { Context, Hono } from 'hono';
import { WasmfnError } from '../errors.js';
import { DASHBOARD_CSP, REPORT_CSP, securityHeaders } from './csp.js';
import { loadStaticFiles, type StaticFile } from './static-files.js';
import { mountUsageMinutesRoute } from '../http/usage-minutes-route.js';
import { mountLogStreamRoute, type LogStreamDeps } from '../http/log-stream-route.js';

type App = Hono<{ Variables: { requestId: string } }>;

export interface UiOptions {
  /** The admin token: the page's API routes (usage per minute, log stream) need it like every admin route. */
  token: string;
  observe: LogStreamDeps;
  /** Where `npm run bench` writes its report (default: bench-results/report.html under the working directory). */
  benchReportPath?: string;
  /** The built files' folder (default: static/ next to this module). */
  staticDir?: string;
}

export const DEFAULT_BENCH_REPORT = 'bench-results/report.html';

/** Mounted on the app createApp built; the /api router there has no route these paths match, so they reach these. */
export function mountUi(app: App, opts: UiOptions): void {
  mountUsageMinutesRoute(app, opts.token, opts.observe);
  mountLogStreamRoute(app, opts.token, opts.observe);
  const files = loadStaticFiles(opts.staticDir);
  const report = path.resolve(opts.benchReportPath ?? DEFAULT_BENCH_REPORT);

  app.get('/', (c) => c.redirect('/ui/', 302));
  app.get('/ui', (c) => c.redirect('/ui/', 301));
  app.get('/ui/', (c) => serveFile(c, files, 'index.html'));
  app.get('/ui/assets/:file', (c) => serveFile(c, files, c.req.param('file')));

  // The page asks whether a report exists (HEAD) before it links to it.
  app.on(['GET', 'HEAD'], '/ui/bench/report.html', (c) => {
    let body: Uint8Array;
    try {
      body = new Uint8Array(fs.readFileSync(report));
    } catch {
      throw new WasmfnError('not_found', 'no benchmark report: run `npm run bench` first');
    }
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...securityHeaders(REPORT_CSP) });
  });
}

function serveFile(c: Context, files: Map<string, StaticFile> | null, name: string): Response {
  if (!files) {
    return c.text('The dashboard is not built: run `npm run build:ui` (or `npm run build`) and restart the host.\n', 503, securityHeaders(DASHBOARD_CSP));
  }
  const f = files.get(name);
  if (!f || name.startsWith('.') || name === 'index.html' && c.req.path !== '/ui/') throw new WasmfnError('not_found', `no dashboard file ${name.slice(0, 80)}`);
  const headers = { 'content-type': f.type, etag: f.etag, 'cache-control': 'no-cache', ...securityHeaders(DASHBOARD_CSP) };
  if (c.req.header('if-none-match') === f.etag) return c.body(null, 304, headers);
  return c.body(f.body as Uint8Array<ArrayBuffer>, 200, headers);
}
