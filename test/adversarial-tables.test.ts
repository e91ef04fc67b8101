// Hostile tables: growth V8 would serve until the host dies, and declarations whose instantiation costs GBs.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { deploy, fnBytes, tempDir, withHost } from './helpers/host.js';
import { spawnHost, stopHost } from './helpers/process.js';
import { ModuleWriter } from './helpers/wasm-writer.js';
import { wat } from './helpers/wat.js';

const test = suite('adversarial: tables');

const TOKEN = 'adversarial-tables';

/** An SDK guest answering 200 "ok" once every check in `checks` held; a check that fails traps. */
function sdkGuest(decls: string, checks: string[]): Uint8Array {
  return wat(`(module
    (import "wasmfn" "response_write" (func $write (param i32 i32)))
    (memory 1)
    (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\02\\00\\00\\00" "ok")
    ${decls}
    (func (export "handle")
      ${checks.map((c) => `(if (i32.eqz ${c}) (then unreachable))`).join('\n      ')}
      (call $write (i32.const 16) (i32.const 14))))`);
}

const grow = (table: number, by: number) => `(table.grow ${table} (ref.null func) (i32.const ${by}))`;

async function put(url: string, name: string, bytes: Uint8Array, query = ''): Promise<Response> {
  return fetch(`${url}/api/functions/${name}${query}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/wasm' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

test('table.grow by ten million on tables declared without a maximum fails in the guest; the host lives on', async () => {
  const tables = Array.from({ length: 8 }, () => '(table 0 funcref)').join(' ');
  // Every table grows before anything is checked: each failed grow answers -1.
  const sum = Array.from({ length: 8 }, (_, t) => grow(t, 10_000_000)).reduce((a, b) => `(i32.add ${a} ${b})`);
  const checks = [`(i32.eq ${sum} (i32.const -8))`];
  const dir = await tempDir();
  // A host that is about to run out of heap dies quickly instead of taking GBs first.
  const h = await spawnHost(dir, { WASMFN_TOKEN: TOKEN }, ['--no-examples'], { nodeArgs: ['--max-old-space-size=512'] });
  try {
    // Time enough for V8 to serve the growth it would allow, rather than a deadline cutting it short.
    assert.is((await put(h.url, 'grower', sdkGuest(tables, checks), '?timeoutMs=20000')).status, 201);
    for (let call = 0; call < 2; call++) {
      const res = await fetch(`${h.url}/fn/grower`);
      assert.is(res.status, 200, `call ${call}: ${await res.clone().text()}`);
      assert.is(await res.text(), 'ok');
    }
    assert.is((await put(h.url, 'hello', await fnBytes('hello'))).status, 201);
    assert.is(await (await fetch(`${h.url}/fn/hello?name=after`)).text(), 'Hello, after!');
    assert.is(h.child.exitCode, null, 'the host is still running');
  } finally {
    await stopHost(h);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('tables without a maximum share the element cap: each grows to its share, not past it', async () => {
  await withHost({ maxTableElements: 1000 }, async (h) => {
    const checks = [
      `(i32.eq ${grow(0, 1001)} (i32.const -1))`,
      `(i32.eq ${grow(0, 490)} (i32.const 10))`,
      `(i32.eq ${grow(1, 491)} (i32.const -1))`,
      `(i32.eq ${grow(1, 490)} (i32.const 10))`,
    ];
    assert.is((await deploy(h, 'two', sdkGuest('(table 10 funcref) (table 10 funcref)', checks))).status, 201);
    const res = await fetch(`${h.url}/fn/two`);
    assert.is(res.status, 200, await res.clone().text());
  });
});

test('a declared maximum above the cap is lowered to the cap, not refused', async () => {
  await withHost({ maxTableElements: 1000 }, async (h) => {
    const checks = [`(i32.eq ${grow(0, 1000)} (i32.const -1))`, `(i32.eq ${grow(0, 999)} (i32.const 1))`];
    assert.is((await deploy(h, 'big-max', sdkGuest('(table 1 5000000 funcref)', checks))).status, 201);
    assert.is((await fetch(`${h.url}/fn/big-max`)).status, 200);
  });
});

test('a version stored with a table without a maximum is prepared again when the host loads it', async () => {
  const dataDir = await tempDir();
  try {
    const decls = '(table 1 funcref)';
    const checks = [`(i32.eq ${grow(0, 1000)} (i32.const -1))`];
    const version = await withHost({ dataDir, maxTableElements: 1000 }, async (h) => {
      const res = await deploy(h, 'old', sdkGuest(decls, checks));
      assert.is(res.status, 201);
      return ((await res.json()) as { version: string }).version;
    });
    // What an earlier wasmfn stored: memory imported, the table left as declared.
    const legacy = wat(`(module
      (import "env" "memory" (memory 1 256))
      (import "wasmfn" "response_write" (func $write (param i32 i32)))
      (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\02\\00\\00\\00" "ok")
      ${decls}
      (func (export "handle")
        (if (i32.eqz ${checks[0]}) (then unreachable))
        (call $write (i32.const 16) (i32.const 14))))`);
    await fs.writeFile(path.join(dataDir, 'functions', 'old', 'versions', version, 'prepared.wasm'), legacy);
    await withHost({ dataDir, maxTableElements: 1000 }, async (h) => {
      const res = await fetch(`${h.url}/fn/old`);
      assert.is(res.status, 200, await res.clone().text());
    });
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

/** `count` tables of `elements` each, written as bytes: WAT text for a thousand tables is slow to compile. */
function manyTables(count: number, elements: number): Uint8Array {
  const m = new ModuleWriter();
  for (let i = 0; i < count; i++) m.table(elements);
  m.func([0x0b], { export: 'handle' });
  return m.bytes();
}

test('a thousand tables, each within the element cap, are refused at deploy, and the next deploy works', async () => {
  await withHost({}, async (h) => {
    const res = await deploy(h, 'tables', manyTables(1000, 100_000), 'timeoutMs=30000');
    assert.is(res.status, 422);
    const body = (await res.json()) as { error: { code: string; details: string[] } };
    assert.is(body.error.code, 'invalid_module');
    assert.ok(body.error.details.some((d) => d.includes('1000 tables') && d.includes('limit of 100')), JSON.stringify(body.error.details));
    const valid = await deploy(h, 'hello', await fnBytes('hello'));
    assert.is(valid.status, 201);
  });
});

test('two tables whose initial sizes together pass the cap are refused', async () => {
  await withHost({}, async (h) => {
    const res = await deploy(h, 'pair', manyTables(2, 60_000));
    assert.is(res.status, 422);
    const body = (await res.json()) as { error: { code: string; details: string[] } };
    assert.is(body.error.code, 'invalid_module');
    assert.equal(body.error.details, ['the 2 tables declare 120000 elements in total, above the limit of 100000 elements']);
  });
});

test.run();
