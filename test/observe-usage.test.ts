// GET /api/functions/:name/usage: counts match the calls made, and survive a restart on the same data dir.

import fs from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { admin, deployBuilt, tempDir, withHost, type TestHost } from './helpers/host.js';
import type { UsageSummary } from '../host/observe/usage-buckets.js';

const test = suite('observe usage');

type UsageReply = UsageSummary & { function: string; since: string | null };

async function usage(h: TestHost, name: string, query = ''): Promise<UsageReply> {
  const res = await admin(h, `/api/functions/${name}/usage${query}`);
  assert.is(res.status, 200);
  return (await res.json()) as UsageReply;
}

async function call(h: TestHost, p: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await (await fetch(`${h.url}${p}`)).arrayBuffer();
}

test('usage counts the calls made, by outcome, with time, fuel and GB-seconds', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'abort-message');
    await call(h, '/fn/hello', 3);
    await call(h, '/fn/abort-message', 2);
    const u = await usage(h, 'hello');
    assert.is(u.function, 'hello');
    assert.is(u.since, null);
    assert.equal(u.invocations, { total: 3, byOutcome: { ok: 3 } });
    assert.ok(u.wallTimeMs.total > 0);
    assert.ok(u.wallTimeMs.p50 !== null && u.wallTimeMs.p99 !== null && u.wallTimeMs.p50 <= u.wallTimeMs.p99);
    assert.ok(u.fuel.total > 0);
    assert.ok(u.gbSeconds.memoryCap > 0);
    assert.ok(u.gbSeconds.peakMemory > 0 && u.gbSeconds.peakMemory <= u.gbSeconds.memoryCap);
    assert.ok(u.bytes.out > 0);
    const t = await usage(h, 'abort-message');
    assert.equal(t.invocations, { total: 2, byOutcome: { trap: 2 } });
  });
});

test('since filters out older usage and must be a date-time', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await call(h, '/fn/hello', 2);
    const past = await usage(h, 'hello', '?since=2000-01-01T00:00:00Z');
    assert.is(past.invocations.total, 2);
    assert.is(past.since, '2000-01-01T00:00:00.000Z');
    const future = await usage(h, 'hello', `?since=${new Date(Date.now() + 3_600_000).toISOString()}`);
    assert.is(future.invocations.total, 0);
    assert.is(future.wallTimeMs.p50, null);
    const bad = await admin(h, '/api/functions/hello/usage?since=yesterday');
    assert.is(bad.status, 400);
    assert.is(((await bad.json()) as { error: { code: string } }).error.code, 'bad_request');
    const unknown = await admin(h, '/api/functions/nope/usage');
    assert.is(((await unknown.json()) as { error: { code: string } }).error.code, 'function_not_found');
  });
});

test('since takes only an ISO 8601 date or date-time, not what Date.parse guesses at', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await call(h, '/fn/hello', 1);
    for (const bad of ['foo 1', '-1', '12', 'x 2025', 'March 7', '2025-02-30T00:00:00Z', '2025-01-31T12:00:00', '']) {
      const res = await admin(h, `/api/functions/hello/usage?since=${encodeURIComponent(bad)}`);
      assert.is(res.status, 400, bad);
      assert.is(((await res.json()) as { error: { code: string } }).error.code, 'bad_request');
    }
    assert.is((await usage(h, 'hello', '?since=2000-01-31')).since, '2000-01-31T00:00:00.000Z');
    assert.is((await usage(h, 'hello', `?since=${encodeURIComponent('2000-01-31T12:00:00+01:00')}`)).since, '2000-01-31T11:00:00.000Z');
  });
});

test('usage survives a restart on the same data dir and keeps counting', async () => {
  const dir = await tempDir();
  try {
    await withHost({ dataDir: dir }, async (h) => {
      await deployBuilt(h, 'hello');
      await call(h, '/fn/hello', 3);
    });
    const file = JSON.parse(await fs.readFile(path.join(dir, 'usage', 'hello.json'), 'utf8')) as { function: string; buckets: unknown[] };
    assert.is(file.function, 'hello');
    assert.ok(file.buckets.length >= 1);

    await withHost({ dataDir: dir }, async (h) => {
      assert.is((await usage(h, 'hello')).invocations.total, 3);
      await call(h, '/fn/hello', 1);
      assert.equal((await usage(h, 'hello')).invocations, { total: 4, byOutcome: { ok: 4 } });
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a deleted function keeps its usage and the host still flushes and closes', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await call(h, '/fn/hello', 2);
    assert.is((await admin(h, '/api/functions/hello', { method: 'DELETE' })).status, 204);
    assert.is((await usage(h, 'hello')).invocations.total, 2);
    await h.observability.flushUsage();
  });
});

test.run();
