// Static files shipped with a deploy: a tar or zip `files` part, served to a WAGI guest read-only at `/`, with an
// empty writable /tmp per call; bad archives refused; the files kept with the version across a restart.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import tar from 'tar-stream';
import { zipSync } from 'fflate';
import { auth, CLI, errorCode, fnBytes, FUNCTIONS_DIR, tempDir, withHost, type HostAddress } from './helpers/host.js';

async function tarOf(entries: Record<string, string>): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const [name, text] of Object.entries(entries)) pack.entry({ name }, text);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function zipOf(entries: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, new TextEncoder().encode(v)])));
}

async function deployWithFiles(h: HostAddress, name: string, module: Uint8Array, files: Uint8Array, config = '{}'): Promise<Response> {
  const form = new FormData();
  form.set('module', new Blob([module as Uint8Array<ArrayBuffer>]), 'module.wasm');
  form.set('config', config);
  form.set('files', new Blob([files as Uint8Array<ArrayBuffer>]), 'files.tar');
  return fetch(`${h.url}/api/functions/${name}`, { method: 'PUT', headers: auth(h), body: form });
}

const SITE = { 'index.html': '<h1>home</h1>', 'sub/data.json': '{"a":1}', './notes/readme.txt': 'read me' };

test('a WAGI function serves the files of its deploy at / and writes its own /tmp', async () => {
  await withHost({}, async (h) => {
    const archive = await tarOf(SITE);
    const module = await fnBytes('static-c');
    const res = await deployWithFiles(h, 'site', module, archive);
    assert.is(res.status, 201, await res.clone().text());
    const meta = (await res.json()) as { size: number; files: { count: number; bytes: number } };
    assert.equal(meta.files, { count: 3, bytes: 13 + 7 + 7 });
    assert.is(meta.size, module.length + archive.length);

    const home = await fetch(`${h.url}/fn/site/`);
    assert.is(home.status, 200);
    assert.is(home.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.is(await home.text(), '<h1>home</h1>');
    assert.is(await (await fetch(`${h.url}/fn/site/sub/data.json`)).text(), '{"a":1}');
    assert.is(await (await fetch(`${h.url}/fn/site/notes/readme.txt`)).text(), 'read me');
    assert.is((await fetch(`${h.url}/fn/site/nope.txt`)).status, 404);
    // A path climbing out of the root stays inside it: "/../index.html" is refused, nothing of the host is read.
    assert.is((await fetch(`${h.url}/fn/site/..%2f..%2fetc%2fpasswd`)).status, 404);
    for (let i = 0; i < 2; i++) {
      const tmp = await fetch(`${h.url}/fn/site/tmp-roundtrip`);
      assert.is(tmp.status, 200);
      assert.is(await tmp.text(), 'written in /tmp\n');
    }
  });
});

test('a zip archive works the same, and the files stay with the version after a restart', async () => {
  const dataDir = await tempDir();
  try {
    await withHost({ dataDir }, async (h) => {
      const res = await deployWithFiles(h, 'zipped', await fnBytes('static-c'), zipOf(SITE));
      assert.is(res.status, 201, await res.clone().text());
    });
    await withHost({ dataDir }, async (h) => {
      assert.is(await (await fetch(`${h.url}/fn/zipped/sub/data.json`)).text(), '{"a":1}');
    });
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('wasmfn deploy --files sends an archive with the module', async () => {
  const dir = await tempDir();
  try {
    const archive = path.join(dir, 'site.tar');
    await fs.writeFile(archive, await tarOf({ 'index.html': 'from the CLI' }));
    await withHost({}, async (h) => {
      const code = await new Promise<number>((resolve) => {
        execFile(process.execPath, [CLI, 'deploy', 'cli-site', path.join(FUNCTIONS_DIR, 'static-c.wasm'), '--files', archive, '--url', h.url],
          { env: { ...process.env, WASMFN_TOKEN: h.token }, timeout: 30_000 }, (err) => resolve(err ? 1 : 0));
      });
      assert.is(code, 0);
      assert.is(await (await fetch(`${h.url}/fn/cli-site/`)).text(), 'from the CLI');
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('archives with escaping paths, links or garbage, and files for a non-WASI function are bad_request', async () => {
  await withHost({}, async (h) => {
    const module = await fnBytes('static-c');
    const cases: [string, Uint8Array][] = [
      ['dotdot', await tarOf({ '../evil.txt': 'x' })],
      ['absolute', zipOf({ '/etc/evil': 'x' })],
      ['garbage', new TextEncoder().encode('not an archive at all, not even close to one, surely not')],
    ];
    const pack = tar.pack();
    pack.entry({ name: 'link', type: 'symlink', linkname: '/etc/passwd' });
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    cases.push(['symlink', new Uint8Array(Buffer.concat(chunks))]);
    for (const [name, archive] of cases) {
      const res = await deployWithFiles(h, `bad-${name}`, module, archive);
      assert.is(res.status, 400, name);
      assert.is(await errorCode(res), 'bad_request', name);
    }
    const sdk = await deployWithFiles(h, 'not-wasi', await fnBytes('hello'), await tarOf(SITE));
    assert.is(sdk.status, 400);
    const list = (await (await fetch(`${h.url}/api/functions`, { headers: auth(h) })).json()) as { functions: unknown[] };
    assert.is(list.functions.length, 0);
  });
});

test.run();
