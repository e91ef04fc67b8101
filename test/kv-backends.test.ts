// The key-value contract, run against both backends: the embedded one on SQLite and the JetStream one on a real
// private nats-server.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { EmbeddedKv } from '../host/kv/embedded.js';
import { JetStreamKv } from '../host/cluster/kv-jetstream.js';
import { connectCluster, type ClusterConnection } from '../host/cluster/connection.js';
import type { KvBackend } from '../host/kv/backend.js';
import { CapabilityError } from '../host/abi/capability-codes.js';
import { startNats, type NatsServer } from './helpers/nats.js';
import { tempDir } from './helpers/host.js';

const MiB = 1024 * 1024;
const text = (v: Uint8Array | null): string | null => (v === null ? null : Buffer.from(v).toString('utf8'));

async function capCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof CapabilityError) return e.code;
    throw e;
  }
}

function contract(name: string, make: () => Promise<{ kv: KvBackend; done: () => Promise<void> }>): void {
  const t = suite(`kv contract: ${name}`);
  let kv: KvBackend;
  let done: () => Promise<void>;
  t.before(async () => {
    ({ kv, done } = await make());
  });
  t.after(async () => {
    await kv.close();
    await done();
  });
  queueMicrotask(() => t.run());

  t('get, set, exists, delete', async () => {
    assert.is(await kv.get('s1', 'a'), null);
    assert.is(await kv.exists('s1', 'a'), false);
    await kv.set('s1', 'a', Buffer.from('one'), MiB);
    assert.is(text(await kv.get('s1', 'a')), 'one');
    await kv.set('s1', 'a', Buffer.from('two'), MiB);
    assert.is(text(await kv.get('s1', 'a')), 'two');
    assert.is(await kv.exists('s1', 'a'), true);
    // Stores are apart.
    assert.is(await kv.get('s2', 'a'), null);
    assert.is(await kv.delete('s1', 'a'), true);
    assert.is(await kv.delete('s1', 'a'), false);
    assert.is(await kv.get('s1', 'a'), null);
  });

  t('keys: any UTF-8, by prefix, in pages', async () => {
    for (const k of ['user:1', 'user:2', 'user:3', 'user/ü', 'other', 'user:10']) await kv.set('s3', k, Buffer.from(k), MiB);
    const p1 = await kv.keys('s3', 'user:', '', 2);
    assert.equal(p1.keys, ['user:1', 'user:10']);
    assert.is(p1.cursor, 'user:10');
    const p2 = await kv.keys('s3', 'user:', p1.cursor!, 2);
    assert.equal(p2.keys, ['user:2', 'user:3']);
    assert.is(p2.cursor, null);
    assert.equal((await kv.keys('s3', 'user/', '', 10)).keys, ['user/ü']);
    assert.is((await kv.keys('s3', '', '', 100)).keys.length, 6);
    assert.equal(await kv.keys('empty-store', '', '', 10), { keys: [], cursor: null });
  });

  t('keys: deleted keys are left out, also across pages and past long runs of them', async () => {
    const all = Array.from({ length: 150 }, (_, i) => `d${String(i).padStart(3, '0')}`);
    for (const k of all) await kv.set('s7', k, Buffer.from('v'), MiB);
    const kept = ['d000', 'd001', 'd140', 'd149'];
    for (const k of all) if (!kept.includes(k)) assert.ok(await kv.delete('s7', k));
    const p1 = await kv.keys('s7', 'd', '', 2);
    assert.equal(p1, { keys: ['d000', 'd001'], cursor: 'd001' });
    const p2 = await kv.keys('s7', 'd', p1.cursor!, 2);
    assert.equal(p2, { keys: ['d140', 'd149'], cursor: null });
    assert.equal((await kv.keys('s7', '', '', 100)).keys, kept);
  });

  t('keys: every key exactly once while a writer keeps rewriting them', async () => {
    const names = ['w0', 'w1', 'w2', 'w3', 'w4'];
    for (const k of names) await kv.set('s8', k, Buffer.from('0'), MiB);
    let stop = false;
    let writes = 0;
    const writer = (async () => {
      while (!stop) await kv.set('s8', names[writes++ % names.length]!, Buffer.from(String(writes)), MiB);
    })();
    try {
      for (let i = 0; i < 30; i++) assert.equal((await kv.keys('s8', '', '', 100)).keys, names, `listing ${i} after ${writes} writes`);
    } finally {
      stop = true;
      await writer;
    }
    assert.ok(writes > 30, `the writer ran alongside (${writes} writes)`);
  });

  t('increment: from absent, by deltas, refused on a non-number', async () => {
    assert.is(await kv.increment('s4', 'n', 1n, MiB), 1n);
    assert.is(await kv.increment('s4', 'n', 41n, MiB), 42n);
    assert.is(await kv.increment('s4', 'n', -50n, MiB), -8n);
    assert.is(text(await kv.get('s4', 'n')), '-8');
    await kv.set('s4', 'word', Buffer.from('hello'), MiB);
    assert.is(await capCode(kv.increment('s4', 'word', 1n, MiB)), 'not_a_number');
    assert.is(text(await kv.get('s4', 'word')), 'hello');
    await kv.delete('s4', 'n');
    assert.is(await kv.increment('s4', 'n', 5n, MiB), 5n);
  });

  t('50 concurrent increments give exactly 50', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => kv.increment('s5', 'c', 1n, MiB)));
    assert.is(text(await kv.get('s5', 'c')), '50');
    assert.equal(results.map(Number).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
  });

  t('a store past its cap refuses growth, keeps its data', async () => {
    const cap = 64 * 1024;
    const big = Buffer.alloc(20 * 1024, 0x61);
    let code = 'ok';
    let stored = 0;
    for (let i = 0; i < 10 && code === 'ok'; i++) {
      code = await capCode(kv.set('s6', `k${i}`, big, cap));
      if (code === 'ok') stored++;
    }
    assert.is(code, 'store_full');
    assert.ok(stored >= 1 && stored < 4, `stored ${stored}`);
    assert.is((await kv.get('s6', 'k0'))?.byteLength, big.byteLength);
  });
}

contract('embedded', async () => {
  const dir = await tempDir();
  return { kv: new EmbeddedKv(dir), done: () => fs.rm(dir, { recursive: true, force: true }) };
});

let nats: NatsServer;
let cn: ClusterConnection;
contract('jetstream', async () => {
  nats = await startNats();
  cn = await connectCluster({ natsUrl: nats.url, cluster: 'kvtest', replica: 'r1', port: 0 });
  return {
    kv: new JetStreamKv(cn),
    done: async () => {
      await cn.close();
      await nats.dispose();
    },
  };
});

const embeddedOnly = suite('kv embedded');
embeddedOnly('data survives closing and opening the database again', async () => {
  const dir = await tempDir();
  try {
    const a = new EmbeddedKv(dir);
    await a.set('s', 'k', Buffer.from('v'), MiB);
    await a.increment('s', 'n', 7n, MiB);
    await a.close();
    const b = new EmbeddedKv(dir);
    assert.is(text(await b.get('s', 'k')), 'v');
    assert.is(await b.increment('s', 'n', 1n, MiB), 8n);
    await b.close();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

const jsOnly = suite('kv jetstream');
jsOnly('a store written under two caps keeps working (the bucket made first is used)', async () => {
  const server = await startNats();
  try {
    const c1 = await connectCluster({ natsUrl: server.url, cluster: 'caps', replica: 'a', port: 0 });
    const c2 = await connectCluster({ natsUrl: server.url, cluster: 'caps', replica: 'b', port: 0 });
    const a = new JetStreamKv(c1);
    const b = new JetStreamKv(c2);
    await a.set('shared', 'k', Buffer.from('1'), MiB);
    await b.set('shared', 'k2', Buffer.from('2'), 2 * MiB);
    assert.is(text(await a.get('shared', 'k2')), '2');
    assert.is(await b.increment('shared', 'n', 3n, 4 * MiB), 3n);
    await c1.close();
    await c2.close();
  } finally {
    await server.dispose();
  }
});

embeddedOnly.run();
jsOnly.run();
