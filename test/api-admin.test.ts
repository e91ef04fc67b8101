import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withHost, fnBytes, deploy, auth, errorCode, tempDir } from './helpers/host.js';
import { wat } from './helpers/wat.js';

const admin = suite('admin API');

admin('every admin route refuses a missing or wrong token with unauthorized', async () => {
  await withHost({}, async (h) => {
    const routes: [string, string][] = [
      ['GET', '/api/functions'],
      ['GET', '/api/functions/hello'],
      ['PUT', '/api/functions/hello'],
      ['DELETE', '/api/functions/hello'],
      ['POST', '/api/functions/hello/rollback'],
    ];
    for (const [method, path] of routes) {
      const none = await fetch(h.url + path, { method });
      assert.is(none.status, 401, `${method} ${path}`);
      assert.is(await errorCode(none), 'unauthorized');
      const wrong = await fetch(h.url + path, { method, headers: { authorization: 'Bearer nope' } });
      assert.is(wrong.status, 401);
      assert.is(await errorCode(wrong), 'unauthorized');
    }
  });
});

admin('a raw deploy answers 201 with metadata, the same bytes again 200 with the same version', async () => {
  await withHost({}, async (h) => {
    const bytes = await fnBytes('hello');
    const first = await deploy(h, 'hello', bytes, 'memoryMb=8&env=GREETING=hi');
    assert.is(first.status, 201);
    const meta = (await first.json()) as Record<string, unknown>;
    for (const k of ['name', 'version', 'sha256', 'size', 'abi', 'exports', 'imports', 'limits', 'env', 'createdAt', 'compileMs']) assert.ok(k in meta, `metadata has ${k}`);
    assert.is(meta.name, 'hello');
    assert.is(meta.abi, 'sdk');
    assert.is(meta.size, bytes.byteLength);
    assert.equal(meta.env, ['GREETING']);
    assert.is((meta.limits as { memoryMb: number }).memoryMb, 8);
    const again = await deploy(h, 'hello', bytes, 'env=GREETING=hi&memoryMb=8');
    assert.is(again.status, 200);
    assert.is(((await again.json()) as { version: string }).version, meta.version);
    const changed = await deploy(h, 'hello', bytes, 'memoryMb=8');
    assert.is(changed.status, 201, 'a different config makes a new version');
  });
});

admin('a multipart deploy takes the module part and a JSON config part', async () => {
  await withHost({}, async (h) => {
    const form = new FormData();
    form.set('module', new Blob([(await fnBytes('hello')) as Uint8Array<ArrayBuffer>]), 'hello.wasm');
    form.set('config', JSON.stringify({ limits: { timeoutMs: 250 }, env: { A: 'b' } }));
    const res = await fetch(`${h.url}/api/functions/mp`, { method: 'PUT', headers: auth(h), body: form });
    assert.is(res.status, 201);
    const meta = (await res.json()) as { limits: { timeoutMs: number }; env: string[] };
    assert.is(meta.limits.timeoutMs, 250);
    assert.equal(meta.env, ['A']);

    const bad = new FormData();
    bad.set('module', new Blob([(await fnBytes('hello')) as Uint8Array<ArrayBuffer>]), 'hello.wasm');
    bad.set('config', JSON.stringify({ limits: { memoryMb: 16 }, extra: true }));
    const r2 = await fetch(`${h.url}/api/functions/mp`, { method: 'PUT', headers: auth(h), body: bad });
    assert.is(r2.status, 400);
    assert.is(await errorCode(r2), 'bad_request');
    const noModule = new FormData();
    noModule.set('config', '{}');
    const r3 = await fetch(`${h.url}/api/functions/mp`, { method: 'PUT', headers: auth(h), body: noModule });
    assert.is(await errorCode(r3), 'bad_request');
  });
});

admin('bad names, unknown config fields and unsupported content types are bad_request', async () => {
  await withHost({}, async (h) => {
    const bytes = await fnBytes('hello');
    for (const name of ['Hello', '-x', 'a_b', 'a'.repeat(64)]) {
      const res = await deploy(h, name, bytes);
      assert.is(res.status, 400, name);
      assert.is(await errorCode(res), 'bad_request');
    }
    assert.is(await errorCode(await deploy(h, 'x', bytes, 'color=red')), 'bad_request');
    assert.is(await errorCode(await deploy(h, 'x', bytes, 'memoryMb=100000')), 'bad_request');
    const text = await fetch(`${h.url}/api/functions/x`, { method: 'PUT', headers: auth(h, { 'content-type': 'text/plain' }), body: 'hi' });
    assert.is(text.status, 400);
    assert.is(await errorCode(text), 'bad_request');
  });
});

admin('malformed, truncated and disallowed-import modules are invalid_module with reasons', async () => {
  await withHost({}, async (h) => {
    const notWasm = await deploy(h, 'bad', new TextEncoder().encode('hello, I am not wasm'));
    assert.is(notWasm.status, 422);
    const body = (await notWasm.json()) as { error: { code: string; details: string[] } };
    assert.is(body.error.code, 'invalid_module');
    assert.ok(body.error.details.length >= 1);

    const hello = await fnBytes('hello');
    const truncated = await deploy(h, 'bad', hello.slice(0, Math.floor(hello.byteLength / 2)));
    assert.is(truncated.status, 422);
    assert.is(await errorCode(truncated), 'invalid_module');

    const sneaky = wat(`(module
      (import "env" "nope" (func $nope))
      (import "wasmfn" "request_len" (func (result i32)))
      (import "os" "exec" (func))
      (memory (export "memory") 1)
      (func (export "handle") (call $nope)))`);
    const res = await deploy(h, 'bad', sneaky);
    assert.is(res.status, 422);
    const err = ((await res.json()) as { error: { code: string; details: string[] } }).error;
    assert.is(err.code, 'invalid_module');
    const all = err.details.join('\n');
    assert.ok(all.includes('nope'), all);
    assert.ok(all.includes('exec'), all);

    const list = (await (await fetch(`${h.url}/api/functions`, { headers: auth(h) })).json()) as { functions: unknown[] };
    assert.is(list.functions.length, 0, 'nothing was stored');
  });
});

admin('an upload over the size cap is refused with payload_too_large while streaming', async () => {
  await withHost({ maxModuleBytes: 64 * 1024 }, async (h) => {
    const big = new Uint8Array(200 * 1024);
    const declared = await deploy(h, 'big', big);
    assert.is(declared.status, 413);
    assert.is(await errorCode(declared), 'payload_too_large');
    // No content-length: the host must stop reading once it has seen too much.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent >= 10 * 1024 * 1024) return ctrl.close();
        sent += 64 * 1024;
        ctrl.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await fetch(`${h.url}/api/functions/big`, {
      method: 'PUT',
      headers: auth(h, { 'content-type': 'application/wasm' }),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.is(res.status, 413);
    assert.is(await errorCode(res), 'payload_too_large');
    assert.ok(sent < 10 * 1024 * 1024, `stopped reading early (sent ${sent})`);
  });
});

admin('list, get, delete and 404 after delete', async () => {
  await withHost({}, async (h) => {
    await deploy(h, 'one', await fnBytes('hello'));
    await deploy(h, 'two', await fnBytes('echo'));
    const list = (await (await fetch(`${h.url}/api/functions`, { headers: auth(h) })).json()) as { functions: { name: string }[] };
    assert.equal(list.functions.map((f) => f.name), ['one', 'two']);
    const one = (await (await fetch(`${h.url}/api/functions/one`, { headers: auth(h) })).json()) as { name: string; live: string; versions: unknown[] };
    assert.is(one.name, 'one');
    assert.is(one.versions.length, 1);
    const del = await fetch(`${h.url}/api/functions/one`, { method: 'DELETE', headers: auth(h) });
    assert.is(del.status, 204);
    const gone = await fetch(`${h.url}/api/functions/one`, { headers: auth(h) });
    assert.is(gone.status, 404);
    assert.is(await errorCode(gone), 'function_not_found');
    const call = await fetch(`${h.url}/fn/one`);
    assert.is(call.status, 404);
    assert.is(await errorCode(call), 'function_not_found');
    const again = await fetch(`${h.url}/api/functions/one`, { method: 'DELETE', headers: auth(h) });
    assert.is(await errorCode(again), 'function_not_found');
  });
});

admin('rollback returns to the previous version, or to a named one', async () => {
  await withHost({}, async (h) => {
    const v1 = ((await (await deploy(h, 'f', await fnBytes('hello'))).json()) as { version: string }).version;
    const v2 = ((await (await deploy(h, 'f', await fnBytes('echo'))).json()) as { version: string }).version;
    assert.is.not(v1, v2);
    assert.ok((await (await fetch(`${h.url}/fn/f`)).text()).startsWith('{'), 'v2 (echo) is live');
    const rb = await fetch(`${h.url}/api/functions/f/rollback`, { method: 'POST', headers: auth(h) });
    assert.is(rb.status, 200);
    assert.is(((await rb.json()) as { version: string }).version, v1);
    assert.is(await (await fetch(`${h.url}/fn/f?name=x`)).text(), 'Hello, x!');
    const none = await fetch(`${h.url}/api/functions/f/rollback`, { method: 'POST', headers: auth(h) });
    assert.is(none.status, 400, 'nothing older than v1');
    assert.is(await errorCode(none), 'bad_request');
    const named = await fetch(`${h.url}/api/functions/f/rollback`, { method: 'POST', headers: auth(h, { 'content-type': 'application/json' }), body: JSON.stringify({ version: v2 }) });
    assert.is(((await named.json()) as { version: string }).version, v2);
    const unknown = await fetch(`${h.url}/api/functions/f/rollback`, { method: 'POST', headers: auth(h), body: JSON.stringify({ version: 'deadbeefdeadbeef' }) });
    assert.is(unknown.status, 404);
    assert.is(await errorCode(unknown), 'version_not_found');
    const junk = await fetch(`${h.url}/api/functions/f/rollback`, { method: 'POST', headers: auth(h), body: '{nope' });
    assert.is(await errorCode(junk), 'bad_request');
    const missing = await fetch(`${h.url}/api/functions/ghost/rollback`, { method: 'POST', headers: auth(h) });
    assert.is(await errorCode(missing), 'function_not_found');
  });
});

const versionOf = async (res: Response): Promise<string> => ((await res.json()) as { version: string }).version;
const livePointer = async (dir: string, name: string): Promise<{ version: string; history: string[] }> =>
  JSON.parse(await fs.readFile(path.join(dir, 'functions', name, 'live.json'), 'utf8'));
const listNames = async (h: { url: string; token: string }): Promise<string[]> =>
  ((await (await fetch(`${h.url}/api/functions`, { headers: auth(h) })).json()) as { functions: { name: string }[] }).functions.map((f) => f.name);

admin('a rollback to a malformed version is bad_request and leaves the function as it was, also after a restart', async () => {
  const dir = await tempDir();
  try {
    let va = '';
    await withHost({ dataDir: dir }, async (h) => {
      va = await versionOf(await deploy(h, 'a', await fnBytes('hello')));
      const vb = await versionOf(await deploy(h, 'b', await fnBytes('echo')));
      for (const version of [`../../b/versions/${vb}`, `../${vb}`, vb.toUpperCase(), vb.slice(0, 8), `${vb}0`, '', '.', '..']) {
        const res = await fetch(`${h.url}/api/functions/a/rollback`, { method: 'POST', headers: auth(h), body: JSON.stringify({ version }) });
        assert.is(res.status, 400, JSON.stringify(version));
        assert.is(await errorCode(res), 'bad_request');
      }
      const unknown = await fetch(`${h.url}/api/functions/a/rollback`, { method: 'POST', headers: auth(h), body: JSON.stringify({ version: vb }) });
      assert.is(unknown.status, 404, "b's version is not one of a's");
      assert.is(await errorCode(unknown), 'version_not_found');
      assert.is((await livePointer(dir, 'a')).version, va);
    });
    await withHost({ dataDir: dir }, async (h) => {
      assert.is(await (await fetch(`${h.url}/fn/a?name=x`)).text(), 'Hello, x!');
      assert.equal(await listNames(h), ['a', 'b']);
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

admin('a stored live pointer or version that does not match its directory fails to load instead of running another function', async () => {
  const dir = await tempDir();
  try {
    await withHost({ dataDir: dir }, async (h) => {
      for (const name of ['a', 'c', 'd']) await deploy(h, name, await fnBytes('hello'));
      await deploy(h, 'b', await fnBytes('echo'));
    });
    const fnDir = (name: string) => path.join(dir, 'functions', name);
    const vb = (await livePointer(dir, 'b')).version;
    const vd = (await livePointer(dir, 'd')).version;
    // What the unchecked rollback used to leave behind, and copies of version directories under the wrong name or id.
    await fs.writeFile(path.join(fnDir('a'), 'live.json'), JSON.stringify({ version: `../../b/versions/${vb}`, history: [] }));
    await fs.cp(path.join(fnDir('b'), 'versions', vb), path.join(fnDir('c'), 'versions', vb), { recursive: true });
    await fs.writeFile(path.join(fnDir('c'), 'live.json'), JSON.stringify({ version: vb, history: [] }));
    const other = vd === 'ffffffffffffffff' ? 'eeeeeeeeeeeeeeee' : 'ffffffffffffffff';
    await fs.cp(path.join(fnDir('d'), 'versions', vd), path.join(fnDir('d'), 'versions', other), { recursive: true });
    await fs.writeFile(path.join(fnDir('d'), 'live.json'), JSON.stringify({ version: other, history: [] }));
    await withHost({ dataDir: dir }, async (h) => {
      assert.equal(await listNames(h), ['b']);
      for (const name of ['a', 'c', 'd']) {
        const res = await fetch(`${h.url}/fn/${name}`);
        assert.is(res.status, 404, name);
        assert.is(await errorCode(res), 'function_not_found');
      }
      assert.match(await (await fetch(`${h.url}/fn/b`)).text(), /^\{"method"/);
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

admin('a rollback body that is JSON but not an object is bad_request and changes nothing', async () => {
  await withHost({}, async (h) => {
    await deploy(h, 'f', await fnBytes('hello'));
    const v2 = await versionOf(await deploy(h, 'f', await fnBytes('echo')));
    for (const body of ['"oops"', '42', 'null', '[]', '["x"]', 'true', '{"version":null}', '{"version":"x","other":1}']) {
      const res = await fetch(`${h.url}/api/functions/f/rollback`, { method: 'POST', headers: auth(h), body });
      assert.is(res.status, 400, body);
      assert.is(await errorCode(res), 'bad_request');
    }
    const info = (await (await fetch(`${h.url}/api/functions/f`, { headers: auth(h) })).json()) as { live: string; history: string[] };
    assert.is(info.live, v2);
    assert.is(info.history.length, 1);
    const plain = await fetch(`${h.url}/api/functions/f/rollback`, { method: 'POST', headers: auth(h), body: '{}' });
    assert.is(plain.status, 200, 'an object without a version is a plain rollback');
    assert.is.not(await versionOf(plain), v2);
  });
});

admin('the env key __proto__ is refused as bad_request in both config forms', async () => {
  await withHost({}, async (h) => {
    const query = await deploy(h, 'p', await fnBytes('hello'), 'env=__proto__=secret');
    assert.is(query.status, 400);
    assert.is(await errorCode(query), 'bad_request');
    const form = new FormData();
    form.set('module', new Blob([(await fnBytes('hello')) as Uint8Array<ArrayBuffer>]), 'hello.wasm');
    form.set('config', '{"env":{"__proto__":"s"}}');
    const multipart = await fetch(`${h.url}/api/functions/p`, { method: 'PUT', headers: auth(h), body: form });
    assert.is(multipart.status, 400);
    assert.is(await errorCode(multipart), 'bad_request');
    assert.equal(await listNames(h), []);
  });
});

admin('redeploying an earlier version that no longer compiles leaves the live version live, on disk too', async () => {
  const dir = await tempDir();
  try {
    let v2 = '';
    await withHost({ dataDir: dir }, async (h) => {
      const v1 = await versionOf(await deploy(h, 'f', await fnBytes('hello')));
      v2 = await versionOf(await deploy(h, 'f', await fnBytes('echo')));
      await fs.writeFile(path.join(dir, 'functions', 'f', 'versions', v1, 'prepared.wasm'), 'not wasm any more');
      const res = await deploy(h, 'f', await fnBytes('hello'));
      assert.is(res.status, 422);
      assert.is(await errorCode(res), 'invalid_module');
      assert.is((await livePointer(dir, 'f')).version, v2);
      assert.match(await (await fetch(`${h.url}/fn/f`)).text(), /^\{"method"/);
    });
    await withHost({ dataDir: dir }, async (h) => {
      assert.match(await (await fetch(`${h.url}/fn/f`)).text(), /^\{"method"/, 'the same version is live after a restart');
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

admin('concurrent deploys of one name all land and leave one consistent live version', async () => {
  await withHost({}, async (h) => {
    const mods = await Promise.all(['hello', 'echo', 'counter', 'fib'].map(fnBytes));
    const results = await Promise.all(mods.map((m) => deploy(h, 'race', m)));
    for (const r of results) assert.is(r.status, 201);
    const metas = await Promise.all(results.map((r) => r.json() as Promise<{ version: string }>));
    const info = (await (await fetch(`${h.url}/api/functions/race`, { headers: auth(h) })).json()) as { live: string; history: string[] };
    assert.ok(metas.some((m) => m.version === info.live));
    assert.is(info.history.length, 3);
  });
});

admin('unknown routes are not_found and errors carry no stack traces', async () => {
  await withHost({}, async (h) => {
    const res = await fetch(`${h.url}/nope`);
    assert.is(res.status, 404);
    const text = await res.text();
    assert.is(JSON.parse(text).error.code, 'not_found');
    assert.not.match(text, /at \w+ \(|\/work\/|node_modules/);
    assert.is((await fetch(`${h.url}/healthz`)).status, 200);
  });
});

admin.run();
