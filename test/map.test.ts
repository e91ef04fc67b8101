// POST /map/:name on a real host over loopback: order, envelope and header modes, per-item errors, retries, items
// waiting under the function's concurrency cap, and a client disconnecting.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { withHost, fnBytes, admin, tempDir, CLI, type TestHost } from './helpers/host.js';

const test = suite('map');

async function deploy(h: TestHost, name: string, fixture: string, query = ''): Promise<void> {
  const res = await admin(h, `/api/functions/${name}${query}`, { method: 'PUT', headers: { 'content-type': 'application/wasm' }, body: Buffer.from(await fnBytes(fixture)) });
  assert.ok(res.status === 201 || res.status === 200, await res.text());
}

interface OutLine { index: number; status?: number; body?: string; bodyBase64?: string; headers?: Record<string, string>; error?: { code: string; message: string } }

async function map(h: TestHost, name: string, body: string, query = ''): Promise<{ status: number; lines: OutLine[]; raw: string }> {
  const res = await fetch(`${h.url}/map/${name}${query}`, { method: 'POST', body });
  const raw = await res.text();
  if (res.status !== 200) return { status: res.status, lines: [], raw };
  assert.is(res.headers.get('content-type'), 'application/x-ndjson');
  return { status: res.status, lines: raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutLine), raw };
}

const invocations = (h: TestHost, fn: string) => h.lines().filter((l) => l.event === 'invocation' && l.function === fn);

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('every item answered once, in input order, each a logged invocation with trigger "map"', async () => {
  await withHost({ workers: 2, logLevel: 'info' }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    const n = 600;
    // Some items take longer than others, so they finish out of order.
    const items = Array.from({ length: n }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 7) }));
    const { lines } = await map(h, 'probe', items.join('\n') + '\n', '?concurrency=16');
    assert.is(lines.length, n);
    lines.forEach((l, i) => {
      assert.is(l.index, i);
      assert.is(l.status, 200);
      assert.is(l.body, items[i]);
    });
    await until('the log lines', () => invocations(h, 'probe').length === n);
    const logged = invocations(h, 'probe');
    assert.ok(logged.every((l) => l.trigger === 'map' && l.method === 'POST'));
    assert.is(new Set(logged.map((l) => l.requestId)).size, n);
  });
});

test('the concurrency in effect is in x-wasmfn-map-concurrency: the number of workers unless ?concurrency says', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    const used = async (query: string) => {
      const res = await fetch(`${h.url}/map/probe${query}`, { method: 'POST', body: '1\n' });
      await res.text();
      return res.headers.get('x-wasmfn-map-concurrency');
    };
    assert.equal([await used(''), await used('?concurrency=7')], ['2', '7']);
  });
});

test('envelope mode sets method, path, query, headers and body; headers=1 returns headers; non-UTF-8 bodies come back as base64', async () => {
  await withHost({ workers: 1 }, async (h) => {
    await deploy(h, 'echo', 'echo');
    await deploy(h, 'probe', 'sdk-probe');
    const { lines } = await map(h, 'echo', [
      JSON.stringify({ method: 'put', path: '/a/b?x=1&y=2', headers: { 'x-one': 'v' }, body: 'hello' }),
      JSON.stringify({ bodyBase64: Buffer.from('bytes').toString('base64') }),
    ].join('\n'), '?envelope=1&headers=1');
    assert.is(lines.length, 2);
    const first = JSON.parse(lines[0]!.body!);
    assert.equal([first.method, first.path, first.query, first.headers['x-one'], first.body], ['PUT', '/a/b', { x: '1', y: '2' }, 'v', 'hello']);
    assert.is(lines[0]!.headers!['content-type'], 'application/json');
    assert.is(JSON.parse(lines[1]!.body!).body, 'bytes');
    // A plain item is a JSON body with its content type.
    const plain = await map(h, 'echo', '{"k":[1,2]}');
    const echoed = JSON.parse(plain.lines[0]!.body!);
    assert.equal([echoed.method, echoed.headers['content-type'], echoed.body], ['POST', 'application/json', '{"k":[1,2]}']);
    assert.is(plain.lines[0]!.headers, undefined);
    // sdk-probe's /bytes answers the body reversed, as bytes.
    const bin = await map(h, 'probe', JSON.stringify({ path: '/bytes', bodyBase64: Buffer.from([0x00, 0xfe, 0xff]).toString('base64') }), '?envelope=1');
    assert.is(bin.lines[0]!.body, undefined);
    assert.is(Buffer.from(bin.lines[0]!.bodyBase64!, 'base64').toString('hex'), 'fffe00');
  });
});

test('a failed item never stops the others: bad lines, guest errors and traps each get their own line', async () => {
  await withHost({ workers: 1, maxRequestBytes: 1024 }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    await deploy(h, 'boom', 'abort-message');
    const input = [
      JSON.stringify({ body: 'a' }),
      'not json',
      JSON.stringify({ path: '/?status=500', body: 'guest says no' }),
      JSON.stringify({ nope: 1 }),
      JSON.stringify({ body: 'x'.repeat(2000) }),
      JSON.stringify({ path: '/../etc' }),
      JSON.stringify({ body: 'z' }),
    ].join('\n');
    const { lines } = await map(h, 'probe', input, '?envelope=1');
    assert.equal(lines.map((l) => l.index), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(lines.map((l) => l.status ?? l.error!.code), [200, 'bad_request', 500, 'bad_request', 'payload_too_large', 'bad_request', 200]);
    assert.is(lines[2]!.body, 'guest says no');
    assert.is(lines[6]!.body, 'z');
    const trapped = await map(h, 'boom', '1\n2\n');
    assert.equal(trapped.lines.map((l) => l.error?.code), ['trap', 'trap']);
  });
});

test('bad query parameters and unknown functions are refused before anything runs', async () => {
  await withHost({ workers: 1 }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    for (const q of ['?concurrency=0', '?concurrency=257', '?retries=x', '?envelope=2', '?other=1']) {
      const r = await map(h, 'probe', '1', q);
      assert.is(r.status, 400, q);
      assert.is(JSON.parse(r.raw).error.code, 'bad_request');
    }
    const missing = await map(h, 'nope', '1');
    assert.is(missing.status, 404);
    assert.is(JSON.parse(missing.raw).error.code, 'function_not_found');
  });
});

test('retries: a guest 5xx or a timeout is run again up to `retries` more times; a 4xx is not', async () => {
  await withHost({ workers: 1, logLevel: 'info' }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    await deploy(h, 'spin', 'loop-forever', '?timeoutMs=50');
    const input = [JSON.stringify({ path: '/?status=503' }), JSON.stringify({ path: '/?status=404' }), JSON.stringify({ path: '/' })].join('\n');
    const { lines } = await map(h, 'probe', input, '?envelope=1&retries=2');
    assert.equal(lines.map((l) => l.status), [503, 404, 200]);
    await until('the log lines', () => invocations(h, 'probe').length === 5);
    const byItem = (i: number) => invocations(h, 'probe').filter((l) => String(l.requestId).endsWith(`:${i}`)).length;
    assert.equal([byItem(0), byItem(1), byItem(2)], [3, 1, 1]);
    const timedOut = await map(h, 'spin', '1', '?retries=1');
    assert.is(timedOut.lines[0]!.error!.code, 'timeout');
    await until('the log lines', () => invocations(h, 'spin').length === 2);
  });
});

test('items past the function\'s concurrency cap wait for a slot instead of failing overloaded', async () => {
  await withHost({ workers: 2, maxConcurrencyPerFunction: 2, inlineFuel: 0 }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    const n = 60;
    const input = Array.from({ length: n }, (_, i) => JSON.stringify({ path: '/?spin=18', body: String(i) })).join('\n');
    const { lines } = await map(h, 'probe', input, '?envelope=1&concurrency=32');
    assert.is(lines.length, n);
    lines.forEach((l, i) => {
      assert.is(l.error, undefined, JSON.stringify(l));
      assert.is(l.body, `${i} 2584`);
    });
  });
});

test('a client disconnecting cancels the items not yet started', async () => {
  await withHost({ workers: 1, logLevel: 'info' }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    const n = 3000;
    const input = Array.from({ length: n }, () => JSON.stringify({ path: '/?spin=24' })).join('\n');
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${h.url}/map/probe?envelope=1&concurrency=1`, { method: 'POST' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('close', () => resolve());
      setTimeout(() => reject(new Error('no output')), 15_000).unref();
      req.end(input);
    });
    // Idle pool: nothing running or waiting, and the map starts no more items.
    await until('an idle pool', () => {
      const s = h.pool.stats();
      return s.inflight === 0 && s.queued === 0;
    });
    const ran = invocations(h, 'probe').length;
    assert.ok(ran >= 1 && ran < n / 2, `${ran} of ${n} items ran after the client left`);
    // The host still answers.
    const after = await map(h, 'probe', '{"body":"ok"}', '?envelope=1');
    assert.is(after.lines[0]!.body, 'ok');
  });
});

interface Run { code: number | null; stdout: string; stderr: string }

/** The CLI in a child process (never a synchronous spawn: the host under test runs in this process). */
function cli(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

test('wasmfn map: output file in input order, exit 1 with the count when items failed, 0 when none did', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deploy(h, 'probe', 'map-probe');
    const dir = await tempDir();
    try {
      const input = path.join(dir, 'in.ndjson');
      const out = path.join(dir, 'out.ndjson');
      const n = 500;
      await fs.writeFile(input, Array.from({ length: n }, (_, i) => JSON.stringify({ path: i % 100 === 7 ? '/?status=500' : '/', body: String(i) })).join('\n') + '\n');
      const failed = await cli(['map', 'probe', input, '-o', out, '--envelope', '--concurrency', '8', '--url', h.url]);
      assert.is(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /5 of 500 items failed/);
      // Not a terminal: plain progress lines, with the file's item count as the total.
      assert.match(failed.stderr, /map: 500\/500 items, \d+ items\/s, 5 failed/);
      const lines = (await fs.readFile(out, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutLine);
      assert.equal(lines.map((l) => l.index), Array.from({ length: n }, (_, i) => i));
      assert.equal(lines.map((l) => l.body), Array.from({ length: n }, (_, i) => String(i)));
      const ok = await cli(['map', 'probe', '-', '--retries', '1', '--url', h.url], '"a"\n"b"\n');
      assert.is(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).body), ['"a"', '"b"']);
      const missing = await cli(['map', 'nope', '--url', h.url], '1\n');
      assert.is(missing.code, 1);
      assert.match(missing.stderr, /function_not_found/);
      const usage = await cli(['map', '--url', h.url]);
      assert.is(usage.code, 2);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test.run();
