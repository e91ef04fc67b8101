// The data dir holds the admin token and functions' env values (passwords, API keys): nothing in it may be
// readable by other users, whatever the umask. Writes that fail (a full disk) or were cut short leave nothing
// behind, and a name whose first deploy never went live is gone rather than stuck where the API cannot reach it.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startHost, type RunningHost } from '../host/server.js';
import { createLogger } from '../host/observe/logger.js';
import { auth, deploy, silentLogger, tempDir } from './helpers/host.js';
import { spawnHost, stopHost } from './helpers/process.js';
import { wat } from './helpers/wat.js';

const test = suite('adversarial: the data dir is private and keeps no leftovers');

const TOKEN = 'store-test-token';
const VERSION = '0123456789abcdef';

interface Entry { rel: string; dir: boolean; mode: number }

/** Every file and directory under `root` (root itself first), with its permission bits. */
async function walk(root: string, rel = ''): Promise<Entry[]> {
  const st = await fs.lstat(path.join(root, rel));
  const out: Entry[] = [{ rel: rel || '.', dir: st.isDirectory(), mode: st.mode & 0o777 }];
  if (st.isDirectory()) {
    for (const name of await fs.readdir(path.join(root, rel))) out.push(...(await walk(root, path.join(rel, name))));
  }
  return out;
}

const isTemp = (e: Entry) => path.basename(e.rel).endsWith('.tmp');

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

async function tinyModule(): Promise<Uint8Array> {
  return wat('(module (func (export "handle") unreachable))');
}

async function start(dataDir: string, extra: Parameters<typeof startHost>[0] = {}): Promise<RunningHost> {
  return startHost({ dataDir, port: 0, workers: 1, logger: silentLogger(), deployExamples: false, ...extra });
}

test('everything a host creates in its data dir is 0700 or 0600, even under umask 000', async () => {
  const parent = await tempDir();
  const dataDir = path.join(parent, 'data');
  const umask = process.umask(0);
  try {
    const host = await start(dataDir, { deployExamples: true });
    try {
      const res = await deploy(host, 'secret', await tinyModule(), 'env=PASSWORD=hunter2');
      assert.is(res.status, 201, await res.text());
      await (await fetch(`${host.url}/fn/secret`)).arrayBuffer();
      await host.observability.flushUsage();
    } finally {
      await host.close();
    }
  } finally {
    process.umask(umask);
  }
  try {
    const entries = await walk(dataDir);
    const rels = entries.map((e) => e.rel);
    for (const must of ['token', 'examples.json', 'functions/secret/live.json', 'usage/secret.json']) assert.ok(rels.includes(must), `${must} in ${rels.join(' ')}`);
    assert.ok(rels.some((r) => r.startsWith('functions/secret/versions/') && r.endsWith('/config.json')), rels.join(' '));
    for (const e of entries) {
      assert.is(e.mode.toString(8), (e.dir ? 0o700 : 0o600).toString(8), `mode of ${e.rel}`);
    }
  } finally {
    await fs.rm(parent, { recursive: true, force: true });
  }
});

test('a data dir that other users can read or write draws a warning at start; a private one does not', async () => {
  for (const [mode, warned] of [[0o755, true], [0o770, true], [0o700, false]] as const) {
    const dataDir = await tempDir();
    await fs.chmod(dataDir, mode);
    const raw: string[] = [];
    const logger = createLogger('info', { destination: { write: (s: string) => void raw.push(s) } });
    const host = await start(dataDir, { logger });
    await host.close();
    try {
      const lines = raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; event?: string; msg: string });
      const warning = lines.find((l) => l.event === 'data_dir_mode');
      assert.is(Boolean(warning), warned, `mode ${mode.toString(8)}: ${raw.join('')}`);
      if (warning) {
        assert.is(warning.level, 40);
        assert.match(warning.msg, new RegExp(`0${mode.toString(8)}`));
      }
      // The host does not change a mode its owner chose.
      assert.is(((await fs.stat(dataDir)).mode & 0o777).toString(8), mode.toString(8));
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }
});

test('leftovers of cut-short writes and names that never went live are removed at start', async () => {
  const dataDir = await tempDir();
  try {
    let host = await start(dataDir);
    const res = await deploy(host, 'kept', await tinyModule());
    assert.is(res.status, 201);
    await host.close();

    const p = (...parts: string[]) => path.join(dataDir, ...parts);
    const leftovers = [
      p('.token.0a1b2c3d4e5f.tmp'),
      p('.examples.json.0a1b2c3d4e5f.tmp'),
      p('usage', '.kept.json.0a1b2c3d4e5f.tmp'),
      p('functions', 'kept', '.live.json.0a1b2c3d4e5f.tmp'),
    ];
    await fs.mkdir(p('usage'), { recursive: true });
    for (const f of leftovers) await fs.writeFile(f, '');
    await fs.mkdir(p('functions', 'kept', 'versions', `.${VERSION}.0a1b2c3d4e5f.tmp`));
    await fs.writeFile(p('functions', 'kept', 'versions', `.${VERSION}.0a1b2c3d4e5f.tmp`, 'module.wasm'), '');
    await fs.mkdir(p('functions', 'ghost', 'versions'), { recursive: true });
    await fs.mkdir(p('functions', 'ghost2', 'versions', VERSION), { recursive: true });
    await fs.writeFile(p('functions', 'ghost2', 'versions', VERSION, 'meta.json'), '{}');
    await fs.mkdir(p('trash', 'kept-1-abcd'), { recursive: true });

    host = await start(dataDir);
    try {
      const entries = await walk(dataDir);
      assert.equal(entries.filter(isTemp).map((e) => e.rel), []);
      for (const gone of ['functions/ghost', 'functions/ghost2', 'trash/kept-1-abcd']) assert.not.ok(await exists(p(gone)), `${gone} is still there`);
      assert.equal(host.registry.list().map((f) => f.name), ['kept']);
      assert.is((await fetch(`${host.url}/fn/kept`)).status, 500); // the module traps: it ran
      assert.is((await fetch(`${host.url}/api/functions/ghost`, { headers: auth(host) })).status, 404);
    } finally {
      await host.close();
    }
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('DELETE removes what a failed deploy left under a name, and a function that failed to load', async () => {
  const dataDir = await tempDir();
  const host = await start(dataDir);
  try {
    const fnDir = (name: string) => path.join(dataDir, 'functions', name);
    await fs.mkdir(path.join(fnDir('ghost'), 'versions'), { recursive: true });
    const ghost = await fetch(`${host.url}/api/functions/ghost`, { method: 'DELETE', headers: auth(host) });
    assert.is(ghost.status, 404);
    assert.not.ok(await exists(fnDir('ghost')), 'the empty store of "ghost" is still there');

    await fs.mkdir(fnDir('broken'), { recursive: true });
    await fs.writeFile(path.join(fnDir('broken'), 'live.json'), JSON.stringify({ version: VERSION, history: [] }));
    const broken = await fetch(`${host.url}/api/functions/broken`, { method: 'DELETE', headers: auth(host) });
    assert.is(broken.status, 204);
    assert.not.ok(await exists(fnDir('broken')), '"broken" is still there');
  } finally {
    await host.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

/** A custom section of `bytes` zeros: it makes a module big without changing what it does. */
function customSection(name: string, bytes: number): Uint8Array {
  const payload = [name.length, ...Buffer.from(name), ...new Uint8Array(bytes)];
  const size: number[] = [];
  for (let n = payload.length; ; ) {
    const b = n & 0x7f;
    n >>>= 7;
    size.push(n ? b | 0x80 : b);
    if (!n) break;
  }
  return new Uint8Array([0, ...size, ...payload]);
}

/** Minute buckets of the last hours, each with a full histogram: a usage file far above the file size limit. */
function bigUsage(name: string): string {
  const now = Date.now();
  const minute = now - (now % 60_000);
  const buckets = Array.from({ length: 200 }, (_, i) => ({
    t: minute - (i + 1) * 60_000, spanMs: 60_000, invocations: 1, outcomes: { ok: 1 }, wallMs: 1, execMs: 1, fuel: 1,
    gbSecondsCap: 0, gbSecondsPeak: 0, bytesIn: 0, bytesOut: 0,
    wallHist: Object.fromEntries(Array.from({ length: 40 }, (_, b) => [String(b * 5), 1])),
  })).reverse();
  return JSON.stringify({ version: 1, function: name, buckets });
}

/**
 * A host whose writes fail past 80 blocks (40 or 80 KiB): room for a tiny function, none for bigger files. Its
 * embedded database was made by an earlier host without the limit (as on a disk that filled up over time): SQLite
 * needs 32 KiB for its shared-memory index at every open, and more to create its tables.
 */
async function fullDiskHost(dataDir: string, beforeFull: () => Promise<void> = async () => {}) {
  await stopHost(await spawnHost(dataDir, { WASMFN_TOKEN: TOKEN }, ['--no-examples']));
  await beforeFull();
  return spawnHost(dataDir, { WASMFN_TOKEN: TOKEN }, ['--no-examples'], { fileSizeLimitBlocks: 80 });
}

function put(url: string, name: string, bytes: Uint8Array): Promise<Response> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/wasm' };
  return fetch(`${url}/api/functions/${name}`, { method: 'PUT', headers, body: bytes as Uint8Array<ArrayBuffer> });
}

test('on a full file system, a failed first deploy leaves no name behind', async () => {
  const dataDir = await tempDir();
  const host = await fullDiskHost(dataDir);
  try {
    const big = await put(host.url, 'big', new Uint8Array([...(await tinyModule()), ...customSection('pad', 200 * 1024)]));
    assert.is(big.status, 500, await big.text());
    assert.not.ok(await exists(path.join(dataDir, 'functions', 'big')), 'the failed first deploy left functions/big behind');
    assert.is((await fetch(`${host.url}/api/functions/big`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
    assert.equal((await walk(dataDir)).filter(isTemp).map((e) => e.rel), []);
  } finally {
    await stopHost(host);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('on a full file system, a failed usage write leaves no temp file behind', async () => {
  const dataDir = await tempDir();
  const host = await fullDiskHost(dataDir, async () => {
    await fs.mkdir(path.join(dataDir, 'usage'), { recursive: true });
    await fs.writeFile(path.join(dataDir, 'usage', 'small.json'), bigUsage('small'));
  });
  try {
    const small = await put(host.url, 'small', await tinyModule());
    assert.is(small.status, 201, await small.text());
    assert.is((await fetch(`${host.url}/fn/small`)).status, 500); // traps, and counts in usage
  } finally {
    await stopHost(host);
  }
  try {
    // The flush at shutdown could not write the usage file, and said so.
    assert.ok(host.output().split('\n').some((l) => l.includes('could not read or write usage') && l.includes('EFBIG')), host.output());
    assert.equal((await walk(dataDir)).filter(isTemp).map((e) => e.rel), []);
    assert.is(JSON.parse(await fs.readFile(path.join(dataDir, 'usage', 'small.json'), 'utf8')).buckets.length, 200);
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test.run();
