// Key-value storage from guests over HTTP: the examples across requests and restarts, concurrency, every limit,
// grants, the admin routes, and the C guest through wasmfn.h.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { withHost, tempDir, admin, deployBuilt, deploy, fnBytes, FUNCTIONS_DIR } from './helpers/host.js';
import type { RunningHost } from '../host/server.js';
import { wat } from './helpers/wat.js';

const t = suite('kv over HTTP');

const get = async (h: { url: string }, path: string, init?: RequestInit): Promise<string> => (await fetch(`${h.url}${path}`, init)).text();

/** Deploys with a JSON config (multipart). */
async function deployWith(h: RunningHost, name: string, built: string, config: object): Promise<Response> {
  const form = new FormData();
  form.append('module', new Blob([await fnBytes(built) as Uint8Array<ArrayBuffer>], { type: 'application/wasm' }));
  form.append('config', JSON.stringify(config));
  return admin(h, `/api/functions/${name}`, { method: 'PUT', body: form });
}

t('kv-counter counts 1, 2, 3 across requests and after a restart; counter stays 1', async () => {
  const dir = await tempDir();
  try {
    await withHost({ dataDir: dir }, async (h) => {
      await deployBuilt(h, 'kv-counter');
      await deployBuilt(h, 'counter');
      assert.equal([await get(h, '/fn/kv-counter'), await get(h, '/fn/kv-counter'), await get(h, '/fn/kv-counter')], ['1', '2', '3']);
      assert.equal([await get(h, '/fn/counter'), await get(h, '/fn/counter')], ['1', '1']);
      const meta = await (await admin(h, '/api/functions/kv-counter')).json() as { inline: boolean; inlineReason: string };
      assert.is(meta.inline, false);
      assert.match(meta.inlineReason, 'kv_increment');
    });
    await withHost({ dataDir: dir }, async (h) => {
      assert.is(await get(h, '/fn/kv-counter'), '4');
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

t('50 concurrent requests increment to exactly 50', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deployBuilt(h, 'kv-counter');
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(h, '/fn/kv-counter')));
    assert.equal(answers.map(Number).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
    assert.is(await get(h, '/fn/kv-counter'), '51');
  });
});

t('todo-api: add, list, delete, 400 on bad JSON', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'todo-api');
    assert.is(await get(h, '/fn/todo-api/todos'), '[]');
    const a = await fetch(`${h.url}/fn/todo-api/todos`, { method: 'POST', body: JSON.stringify({ title: 'tea' }) });
    assert.is(a.status, 201);
    assert.equal(await a.json(), { id: 1, title: 'tea', done: false });
    await fetch(`${h.url}/fn/todo-api/todos`, { method: 'POST', body: JSON.stringify({ title: 'cake', done: true }) });
    assert.equal(JSON.parse(await get(h, '/fn/todo-api/todos')), [{ id: 1, title: 'tea', done: false }, { id: 2, title: 'cake', done: true }]);
    assert.is((await fetch(`${h.url}/fn/todo-api/todos`, { method: 'POST', body: '{"title": ' })).status, 400);
    assert.is((await fetch(`${h.url}/fn/todo-api/todos`, { method: 'POST', body: '{"name": "x"}' })).status, 400);
    assert.is((await fetch(`${h.url}/fn/todo-api/todos/1`, { method: 'DELETE' })).status, 204);
    assert.is((await fetch(`${h.url}/fn/todo-api/todos/1`, { method: 'DELETE' })).status, 404);
    assert.equal(JSON.parse(await get(h, '/fn/todo-api/todos')), [{ id: 2, title: 'cake', done: true }]);
  });
});

t('every limit answers the guest a code, not a trap', async () => {
  await withHost({}, async (h) => {
    await deployWith(h, 'probe', 'cap-probe', { kvMb: 2 });
    assert.is(await get(h, '/fn/probe?op=set&keyBytes=256&value=v'), 'ok');
    assert.match(await get(h, '/fn/probe?op=set&keyBytes=257&value=v'), /^err -3 key_too_large/);
    assert.match(await get(h, '/fn/probe?op=set&key=&value=v'), /^err -7 invalid/);
    assert.is(await get(h, '/fn/probe?op=set&key=big&bytes=1048576'), 'ok');
    assert.match(await get(h, '/fn/probe?op=set&key=big2&bytes=1048577'), /^err -4 value_too_large/);
    // kvMb 2: the store already holds 1 MiB and a little, so another MiB is refused and what is there stays.
    assert.match(await get(h, '/fn/probe?op=set&key=more&bytes=1048576'), /^err -6 store_full/);
    assert.is(await get(h, '/fn/probe?op=set&key=small&bytes=1024'), 'ok');
    assert.is((await get(h, '/fn/probe?op=get&key=big')).length, 3 + 1048576);
    assert.is(await get(h, '/fn/probe?op=ops&n=1000'), 'ok 1000');
    assert.match(await get(h, '/fn/probe?op=ops&n=1001'), /^err -5 at 1000 too_many_calls/);
    assert.match(await get(h, '/fn/probe?op=get&key=absent'), /^err -1 not_found/);
    assert.match(await get(h, '/fn/probe?op=set&key=w&value=word'), /^ok/);
    assert.match(await get(h, '/fn/probe?op=incr&key=w'), /^err -8 not_a_number/);
  });
});

t('a function may use only its own store and the shared stores its config names', async () => {
  await withHost({}, async (h) => {
    await deployWith(h, 'a', 'cap-probe', { kv: ['carts'] });
    await deployWith(h, 'b', 'cap-probe', { kv: ['carts'] });
    await deployWith(h, 'c', 'cap-probe', {});
    assert.is(await get(h, '/fn/a?op=set&key=x&value=from-a&store=carts'), 'ok');
    assert.is(await get(h, '/fn/b?op=get&key=x&store=carts'), 'ok from-a');
    assert.match(await get(h, '/fn/c?op=get&key=x&store=carts'), /^err -2 denied/);
    // Another function's own store is denied unless named.
    assert.is(await get(h, '/fn/a?op=set&key=own&value=1'), 'ok');
    assert.match(await get(h, '/fn/c?op=get&key=own&store=a'), /^err -2 denied/);
    assert.match(await get(h, '/fn/c?op=get&key=own&store=Bad%20Name'), /^err -7 invalid/);
    const bad = await deployWith(h, 'd', 'cap-probe', { kv: ['Not Valid'] });
    assert.is(bad.status, 400);
  });
});

t('admin routes list, read, write and delete keys', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'cap-probe', 'p');
    assert.is((await admin(h, '/api/kv/p/greeting', { method: 'PUT', body: 'hello' })).status, 204);
    assert.is((await admin(h, '/api/kv/p/a%2Fb', { method: 'PUT', body: 'slash' })).status, 204);
    assert.is(await get(h, '/fn/p?op=get&key=greeting'), 'ok hello');
    assert.is(await get(h, '/fn/p?op=get&key=a%2Fb'), 'ok slash');
    assert.is(await (await admin(h, '/api/kv/p/greeting')).text(), 'hello');
    assert.equal(await (await admin(h, '/api/kv/p?prefix=gr')).json(), { keys: ['greeting'], cursor: null });
    assert.equal(await (await admin(h, '/api/kv/p?limit=1')).json(), { keys: ['a/b'], cursor: 'a/b' });
    assert.is((await admin(h, '/api/kv/p/greeting', { method: 'DELETE' })).status, 204);
    assert.is((await admin(h, '/api/kv/p/greeting')).status, 404);
    assert.is((await admin(h, '/api/kv/p/greeting', { method: 'DELETE' })).status, 404);
    assert.is((await fetch(`${h.url}/api/kv/p`)).status, 401);
    assert.is((await admin(h, `/api/kv/p/${'k'.repeat(257)}`, { method: 'PUT', body: 'x' })).status, 400);
    assert.is((await admin(h, '/api/kv/p/big', { method: 'PUT', body: Buffer.alloc(1024 * 1024 + 1) })).status, 413);
    assert.is((await admin(h, '/api/kv/NOPE')).status, 400);
  });
});

/** A WAGI example counting through the key-value imports answers 1, then 2 (skipped only where its toolchain is
 * missing, never in CI). */
async function countsOneTwo(name: string): Promise<void> {
  const built = await fs.stat(`${FUNCTIONS_DIR}/${name}.wasm`).then(() => true, () => false);
  if (!built && !process.env.CI) return;
  await withHost({}, async (h) => {
    await deployBuilt(h, name);
    assert.equal([await get(h, `/fn/${name}`), await get(h, `/fn/${name}`)], ['1', '2']);
  });
}

t('a C guest counts through wasmfn.h next to WASI', () => countsOneTwo('kv-counter-c'));
t('a Rust guest counts through the wasmfn imports it declares itself, next to WASI', () => countsOneTwo('kv-counter-rust'));

t('capability imports pass the deploy checks for SDK and WAGI guests; an unknown wasmfn import does not', async () => {
  await withHost({}, async (h) => {
    const sdk = wat(`(module (import "wasmfn" "kv_get" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasmfn" "response_write" (func (param i32 i32))) (memory (export "memory") 1) (func (export "handle")))`);
    assert.is((await deploy(h, 'imports-ok', sdk)).status, 201);
    const wagi = wat(`(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
      (import "wasmfn" "kv_increment" (func (param i32 i32 i32 i32 i64 i32) (result i32))) (memory (export "memory") 1) (func (export "_start")))`);
    const meta = await (await deploy(h, 'imports-wagi', wagi)).json() as { abi: string; inline: boolean };
    assert.equal([meta.abi, meta.inline], ['wagi', false]);
    const bogus = wat(`(module (import "wasmfn" "kv_bogus" (func)) (memory (export "memory") 1) (func (export "handle")))`);
    const res = await deploy(h, 'imports-bad', bogus);
    assert.is(res.status, 422);
    assert.match(await res.text(), 'kv_bogus');
  });
});

t.run();
