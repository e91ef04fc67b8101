import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { fnBytes, tempDir, until } from './helpers/host.js';
import { spawnHost, stopHost, type HostProcess } from './helpers/process.js';
import { openEmbeddedDb } from '../host/store/embedded-db.js';

const test = suite('asynchronous invocations survive kill -9 (embedded queue)');
const TOKEN = 'async-durability-token';
const N = 1000;

async function queueMany(p: HostProcess, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, async () => {
      const res = await fetch(`${p.url}/fn/fib?n=22`, { method: 'POST', headers: { prefer: 'respond-async' } });
      assert.is(res.status, 202);
      return ((await res.json()) as { id: string }).id;
    }));
    ids.push(...batch);
  }
  return ids;
}

test(`kill -9 with ${N} queued: after a restart every one ends succeeded`, async () => {
  const dir = await tempDir('wasmfn-async-kill-');
  const env = { WASMFN_TOKEN: TOKEN, WASMFN_ASYNC_CONCURRENCY: '1' };
  let p = await spawnHost(dir, env, ['--no-examples']);
  try {
    const res = await fetch(`${p.url}/api/functions/fib`, {
      method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/wasm' }, body: (await fnBytes('fib')) as Uint8Array<ArrayBuffer>,
    });
    assert.is(res.status, 201);
    const ids = await queueMany(p, N);
    p.child.kill('SIGKILL');
    await p.exited;
    const { db, release } = openEmbeddedDb(dir);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    try {
      // Every 202 was answered after its row was committed.
      assert.is(count('SELECT count(*) AS n FROM queue_invocations'), N);
      assert.ok(count(`SELECT count(*) AS n FROM queue_invocations WHERE status <> 'succeeded'`) > 0, 'some were still queued when the host was killed');
      p = await spawnHost(dir, env, ['--no-examples']);
      await until(() => count(`SELECT count(*) AS n FROM queue_invocations WHERE status = 'succeeded'`) === N, `all ${N} succeeded`, 120_000);
      const known = new Set((db.prepare('SELECT id FROM queue_invocations').all() as { id: string }[]).map((r) => r.id));
      assert.ok(ids.every((id) => known.has(id)));
      assert.is(count('SELECT count(*) AS n FROM queue_invocations WHERE attempts < 1'), 0);
    } finally {
      release();
    }
    const one = await fetch(`${p.url}/api/invocations/${ids[ids.length - 1]}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(((await one.json()) as { status: string }).status, 'succeeded');
  } finally {
    await stopHost(p);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
