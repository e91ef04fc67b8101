// The dashboard's routes over plain HTTP: the redirect, the built files and their headers, the benchmark report,
// the per-minute usage route and the server-sent log stream.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { admin, deployBuilt, errorCode, tempDir, withHost } from './helpers/host.js';
import { bundleUi } from '../host/ui/bundle.js';

const test = suite('ui: routes');

test.before(async () => {
  await bundleUi();
});

interface Point { t: number; invocations: number; outcomes: Record<string, number>; p50: number | null; p99: number | null; fuel: number; gbSeconds: number }
interface Minutes { stepMs: number; minutes: number; functions: { function: string; lastCall: string | null; summary: { invocations: number; errors: number; p50: number | null; p99: number | null }; points: Point[] }[] }

test('/ redirects to /ui/; the page and its assets come with a strict CSP, nosniff and an ETag', async () => {
  await withHost({}, async (h) => {
    const root = await fetch(`${h.url}/`, { redirect: 'manual' });
    assert.is(root.status, 302);
    assert.is(root.headers.get('location'), '/ui/');
    const page = await fetch(`${h.url}/ui/`);
    assert.is(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.not.match(csp, /unsafe/);
    assert.is(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await page.text(), /<script type="module" src="\/ui\/assets\/app\.js"><\/script>/);

    const js = await fetch(`${h.url}/ui/assets/app.js`);
    assert.is(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.is(js.headers.get('content-security-policy'), csp);
    const etag = js.headers.get('etag')!;
    await js.arrayBuffer();
    assert.is((await fetch(`${h.url}/ui/assets/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.is((await fetch(`${h.url}/ui/assets/app.css`)).status, 200);
    const missing = await fetch(`${h.url}/ui/assets/nope.js`);
    assert.is(missing.status, 404);
    assert.is(await errorCode(missing), 'not_found');
    // The admin API behind the page still wants the token.
    assert.is((await fetch(`${h.url}/api/functions`)).status, 401);
  });
});

test('the benchmark report is served (sandboxed) when `npm run bench` has written one, else 404', async () => {
  const cwd = process.cwd();
  const dir = await tempDir();
  try {
    process.chdir(dir);
    await withHost({}, async (h) => {
      process.chdir(cwd);
      assert.is((await fetch(`${h.url}/ui/bench/report.html`, { method: 'HEAD' })).status, 404);
      await fs.mkdir(path.join(dir, 'bench-results'));
      await fs.writeFile(path.join(dir, 'bench-results/report.html'), '<!doctype html><title>r</title><p>report</p>');
      const res = await fetch(`${h.url}/ui/bench/report.html`);
      assert.is(res.status, 200);
      assert.match(await res.text(), /report/);
      assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
    });
  } finally {
    process.chdir(cwd);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('GET /api/usage/minutes: a point per minute, the window totals and the last call; token and bounds checked', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'abort-message', 'fails');
    assert.is((await fetch(`${h.url}/api/usage/minutes`)).status, 401);
    assert.is(await errorCode(await admin(h, '/api/usage/minutes?minutes=0')), 'bad_request');
    assert.is(await errorCode(await admin(h, '/api/usage/minutes?minutes=361')), 'bad_request');
    assert.is(await errorCode(await admin(h, '/api/usage/minutes?function=nope')), 'function_not_found');
    assert.is(await errorCode(await admin(h, '/api/usage/minutes?function=Bad!')), 'bad_request');

    const idle = (await (await admin(h, '/api/usage/minutes?minutes=5')).json()) as Minutes;
    assert.equal(idle.functions.map((f) => f.function).sort(), ['fails', 'hello']);
    assert.is(idle.functions[0]!.lastCall, null);

    for (let i = 0; i < 3; i++) assert.is((await fetch(`${h.url}/fn/hello`)).status, 200);
    assert.is((await fetch(`${h.url}/fn/fails`)).status, 500);
    const res = await admin(h, '/api/usage/minutes?minutes=60');
    assert.is(res.status, 200);
    const body = (await res.json()) as Minutes;
    assert.is(body.stepMs, 60_000);
    const hello = body.functions.find((f) => f.function === 'hello')!;
    // 60 minutes, or 61 when the window's edges fall in two different minutes' halves.
    assert.ok(hello.points.length === 60 || hello.points.length === 61, `${hello.points.length} points`);
    assert.is(hello.points.reduce((s, p) => s + p.invocations, 0), 3);
    assert.is(hello.summary.invocations, 3);
    assert.is(hello.summary.errors, 0);
    assert.ok(hello.summary.p50 !== null && hello.summary.p99! >= hello.summary.p50!);
    assert.ok(hello.lastCall !== null && Date.now() - Date.parse(hello.lastCall) >= 0);
    const busy = hello.points.find((p) => p.invocations > 0)!;
    assert.ok(busy.fuel > 0 && busy.gbSeconds > 0 && busy.p50 !== null);
    for (let i = 1; i < hello.points.length; i++) assert.is(hello.points[i]!.t - hello.points[i - 1]!.t, 60_000);

    const one = (await (await admin(h, '/api/usage/minutes?minutes=2&function=fails')).json()) as Minutes;
    assert.is(one.functions.length, 1);
    assert.is(one.functions[0]!.summary.errors, 1);
    assert.is(one.functions[0]!.points.reduce((s, p) => s + (p.outcomes.trap ?? 0), 0), 1);
  });
});

/** Reads server-sent events from a fetch body until `want` of them satisfy `stop`. */
function eventReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const events: { event: string; id: string | null; data: string }[] = [];
  let ended = false;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) {
        ended = true;
        return;
      }
      buf += value;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const field = (k: string) => block.split('\n').filter((l) => l.startsWith(`${k}: `)).map((l) => l.slice(k.length + 2));
        const data = field('data');
        if (data.length) events.push({ event: field('event')[0] ?? 'message', id: field('id')[0] ?? null, data: data.join('\n') });
      }
    }
  })();
  return { events, ended: () => ended, pump, cancel: () => reader.cancel() };
}

async function waitFor(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`never reached: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('GET /api/functions/:name/logs/stream: hello, then each invocation as it ends; after= skips; gone on delete', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'log-body', 'logger');
    assert.is((await fetch(`${h.url}/api/functions/logger/logs/stream`)).status, 401);
    assert.is(await errorCode(await admin(h, '/api/functions/nope/logs/stream')), 'function_not_found');
    assert.is(await errorCode(await admin(h, '/api/functions/logger/logs/stream?after=x')), 'bad_request');

    assert.is((await fetch(`${h.url}/fn/logger/before`, { method: 'POST', body: 'one' })).status, 200);
    const res = await admin(h, '/api/functions/logger/logs/stream');
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const s = eventReader(res);
    await waitFor(() => s.events.filter((e) => e.event === 'invocation').length === 1, 'the backlog');
    assert.is(s.events[0]!.event, 'hello');
    assert.is(s.events[1]!.id, '1');

    assert.is((await fetch(`${h.url}/fn/logger/live`, { method: 'POST', body: '<b>x</b>' })).status, 200);
    await waitFor(() => s.events.filter((e) => e.event === 'invocation').length === 2, 'the new invocation');
    const live = JSON.parse(s.events[2]!.data) as { seq: number; path: string; status: number; logs: { level: string; line: string }[]; durationsMs: { total: number }; fuelUsed: number };
    assert.is(live.seq, 2);
    assert.is(live.path, '/live');
    assert.is(live.status, 200);
    assert.equal(live.logs, [{ level: 'info', line: '<b>x</b>' }]);
    assert.ok(live.fuelUsed > 0 && live.durationsMs.total > 0);

    const later = eventReader(await admin(h, '/api/functions/logger/logs/stream?after=1'));
    await waitFor(() => later.events.some((e) => e.event === 'invocation'), 'the backlog after 1');
    assert.equal(later.events.filter((e) => e.event === 'invocation').map((e) => e.id), ['2']);
    await later.cancel();

    assert.is((await admin(h, '/api/functions/logger', { method: 'DELETE' })).status, 204);
    await waitFor(() => s.ended(), 'the stream ends after the function is deleted');
    assert.is(s.events[s.events.length - 1]!.event, 'gone');
  });
});

test('an open log stream does not hold the host’s shutdown', async () => {
  let reader: ReturnType<typeof eventReader> | undefined;
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    reader = eventReader(await admin(h, '/api/functions/hello/logs/stream'));
    await waitFor(() => reader!.events.length === 1, 'hello event');
  });
  // withHost has closed the host; the stream was ended by the host, not cut by the client.
  await waitFor(() => reader!.ended(), 'the stream ends');
});

test.run();
