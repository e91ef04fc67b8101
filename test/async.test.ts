import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { withHost, admin, until, CLI, type HostAddress } from './helpers/host.js';
import { openEmbeddedDb } from '../host/store/embedded-db.js';
import { asyncContract, deployWithConfig, queueCall, waitFor } from './helpers/async.js';

const test = suite('asynchronous invocations (embedded queue)');

asyncContract(test, (fn) => () => withHost({ workers: 1 }, (h) => fn(h)));

test('between attempts the record is failed, with the error so far and when the next attempt is due', async () => {
  await withHost({}, async (h) => {
    await deployWithConfig(h, 'flaky', 'flaky', { async: { maxAttempts: 2, backoffMs: 2000 } });
    const id = await queueCall(h, 'flaky?succeedAt=2');
    const failed = await waitFor(h, id, ['failed']) as unknown as { attempts: number; error: { code: string }; nextAttemptAt: string };
    assert.is(failed.attempts, 1);
    assert.is(failed.error.code, 'trap');
    assert.ok(Date.parse(failed.nextAttemptAt) > Date.now() - 1000);
    const done = await waitFor(h, id, ['succeeded']);
    assert.is(done.attempts, 2);
    assert.is(done.error, undefined);
  });
});

test('a body over the request cap is 413, as for a synchronous call', async () => {
  await withHost({ maxRequestBytes: 1024 }, async (h) => {
    await deployWithConfig(h, 'hello', 'hello', {});
    const res = await fetch(`${h.url}/fn/hello`, { method: 'POST', headers: { prefer: 'respond-async' }, body: 'x'.repeat(2048) });
    assert.is(res.status, 413);
  });
});

test('the result is POSTed to an allowed callback URL', async () => {
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.end('thanks');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    await withHost({ callbackHosts: ['127.0.0.1:*'] }, async (h) => {
      await deployWithConfig(h, 'hello', 'hello', {});
      const id = await queueCall(h, 'hello?name=cb', { method: 'GET', headers: { 'x-callback-url': `http://127.0.0.1:${port}/done` } });
      await until(() => got.length === 1, 'the callback');
      assert.is(got[0]!.headers['x-wasmfn-invocation-id'], id);
      assert.is(got[0]!.headers['x-wasmfn-status'], 'succeeded');
      const body = JSON.parse(got[0]!.body) as { id: string; result: { body: string } };
      assert.is(body.id, id);
      assert.is(body.result.body, 'Hello, cb!');
    });
  } finally {
    server.close();
  }
});

test('a schedule every second fires about once a second, shows its next runs, and stops when deleted', async () => {
  await withHost({}, async (h) => {
    const res = await deployWithConfig(h, 'flaky', 'ticker', { schedules: [{ cron: '* * * * * *', path: '/tick?succeedAt=1', body: 'tock' }] });
    assert.is(res.status, 201, await res.clone().text());
    const meta = (await (await admin(h, '/api/functions/ticker')).json()) as { nextRuns: string[] };
    assert.ok(meta.nextRuns.length >= 3);
    assert.ok(meta.nextRuns.every((t) => t.endsWith('.000Z')));
    const started = Date.now();
    const ticks = () => scheduled(h, 'ticker');
    await until(async () => (await ticks()).length >= 3, 'three ticks', 8000);
    const elapsedS = (Date.now() - started) / 1000;
    const seen = await ticks();
    // One invocation per tick, never two for the same second.
    assert.ok(seen.length <= Math.ceil(elapsedS) + 1, `${seen.length} ticks in ${elapsedS} s`);
    assert.is(new Set(seen.map((s) => s.path)).size, 1);
    assert.is(seen[0]!.path, '/tick');
    assert.is(seen[0]!.method, 'POST');
    const { db: db0, release: release0 } = openEmbeddedDb(h.opts.dataDir);
    const firstId = (db0.prepare(`SELECT id FROM queue_invocations WHERE function = 'ticker' AND status = 'succeeded' LIMIT 1`).get() as { id: string }).id;
    release0();
    const first = await waitFor(h, firstId, ['succeeded']);
    assert.match(first.result?.body ?? '', / schedule \* \* \* \* \* \* method POST path \/tick body tock$/);
    assert.is((await admin(h, '/api/functions/ticker', { method: 'DELETE' })).status, 204);
    const deletedAt = Date.now();
    assert.equal(h.events.nextRuns('ticker'), []);
    // Absence of a tick can only be shown by letting ticks' times pass.
    await new Promise((r) => setTimeout(r, 1500));
    const { db, release } = openEmbeddedDb(h.opts.dataDir);
    try {
      const row = db.prepare('SELECT count(*) AS n FROM queue_invocations WHERE function = ? AND created_at > ?').get('ticker', deletedAt) as { n: number };
      assert.is(row.n, 0);
    } finally {
      release();
    }
  });
});

test('a bad cron pattern is refused at deploy with 400', async () => {
  await withHost({}, async (h) => {
    const res = await deployWithConfig(h, 'hello', 'bad', { schedules: [{ cron: '* * *' }] });
    assert.is(res.status, 400);
    const res2 = await deployWithConfig(h, 'hello', 'bad', { schedules: [{ cron: '99 * * * *' }] });
    assert.is(res2.status, 400);
    assert.is((await deployWithConfig(h, 'hello', 'bad', { async: { maxAttempts: 0 } })).status, 400);
  });
});

test('the CLI queues a call with invoke --async and waits for it with invocation --wait', async () => {
  await withHost({}, async (h) => {
    await deployWithConfig(h, 'hello', 'hello', {});
    const env = { ...process.env, WASMFN_TOKEN: h.token };
    const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args, '--url', h.url], { env, timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
    const q = await run(['invoke', 'hello', '?name=cli', '--async']);
    assert.is(q.code, 0, q.stderr);
    const id = q.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    const w = await run(['invocation', id, '--wait']);
    assert.is(w.code, 0, w.stderr);
    const v = JSON.parse(w.stdout) as { status: string; result: { body: string } };
    assert.is(v.status, 'succeeded');
    assert.is(v.result.body, 'Hello, cli!');
  });
});

/** Invocations of `name` the log kept, oldest first. */
async function scheduled(h: HostAddress, name: string): Promise<{ path: string; method: string; status: number }[]> {
  const res = await admin(h, `/api/functions/${name}/logs?limit=200`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { invocations: { path: string; method: string; status: number }[] }).invocations;
}

test.run();
