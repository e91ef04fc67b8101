// Variables and secrets: config.get in guests, WAGI's environment, and a secret's value never in a response, a
// log line, the metadata or any file in clear; sealed with a key kept outside the data dir.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { withHost, tempDir, admin, fnBytes, CLI, FUNCTIONS_DIR, type TestHost } from './helpers/host.js';
import { cgiEnv } from '../host/abi/wagi.js';
import { SecretBox } from '../host/secrets/secret-box.js';
import { defaultSecretKeyFile } from '../host/secrets/secret-key.js';
import type { GuestRequest } from '../host/abi/types.js';

const t = suite('variables and secrets');

const SECRET = 'sk-live-7f3a9c1e5b2d4f60a8';

async function deployWith(h: { url: string; token: string }, name: string, config: object): Promise<Response> {
  const form = new FormData();
  form.append('module', new Blob([await fnBytes('cap-probe') as Uint8Array<ArrayBuffer>], { type: 'application/wasm' }));
  form.append('config', JSON.stringify(config));
  return admin(h, `/api/functions/${name}`, { method: 'PUT', body: form });
}

/** Every file under dir, as bytes; the secret must be in none of them (nor its base64 or hex). */
async function filesContaining(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    const bytes = await fs.readFile(file);
    for (const n of needles) if (bytes.includes(Buffer.from(n))) hits.push(`${file}: ${n}`);
  }
  return hits;
}

t('config.get reads variables and secrets; a secret is never in clear in a response, log, metadata or file', async () => {
  const dir = await tempDir();
  const keyFile = defaultSecretKeyFile(dir);
  const needles = [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('hex')];
  try {
    let version = '';
    await withHost({ dataDir: dir, logLevel: 'debug' }, async (h: TestHost) => {
      const res = await deployWith(h, 'cfg', { variables: { API_URL: 'https://api.example.com' }, secrets: { API_KEY: SECRET } });
      assert.is(res.status, 201);
      const meta = await res.json() as { version: string; capabilities: { variables: Record<string, string>; secrets: string[] } };
      version = meta.version;
      assert.equal(meta.capabilities.variables, { API_URL: 'https://api.example.com' });
      assert.equal(meta.capabilities.secrets, ['API_KEY']);
      assert.is(await (await fetch(`${h.url}/fn/cfg?op=config&name=API_URL`)).text(), 'ok https://api.example.com');
      assert.is(await (await fetch(`${h.url}/fn/cfg?op=config&name=API_KEY`)).text(), `ok ${SECRET}`);
      assert.match(await (await fetch(`${h.url}/fn/cfg?op=config&name=NOPE`)).text(), /^err -1 not_found/);
      // The same config again is the same version (the hash holds a digest, never the value).
      const again = await deployWith(h, 'cfg', { variables: { API_URL: 'https://api.example.com' }, secrets: { API_KEY: SECRET } });
      assert.is(again.status, 200);
      const other = await deployWith(h, 'cfg2', { secrets: { API_KEY: `${SECRET}-2` } });
      assert.is(other.status, 201);
      // Nothing the admin API answers shows it.
      for (const route of ['/api/functions', '/api/functions/cfg', '/api/functions/cfg/logs', '/api/functions/cfg/usage', '/metrics']) {
        const text = await (await admin(h, route)).text();
        assert.not.ok(text.includes(SECRET), route);
      }
      // A config error never echoes it either.
      const bad = await (await deployWith(h, 'bad', { secrets: { 'bad name': SECRET } })).text();
      assert.not.ok(bad.includes(SECRET));
      assert.not.ok(JSON.stringify(h.lines()).includes(SECRET), 'log lines');
    });
    // After a restart the secret still opens (same key file), and the data dir holds it only sealed.
    await withHost({ dataDir: dir }, async (h) => {
      assert.is(await (await fetch(`${h.url}/fn/cfg?op=config&name=API_KEY`)).text(), `ok ${SECRET}`);
      const meta = await (await admin(h, '/api/functions/cfg')).json() as { version: string };
      assert.is(meta.version, version);
    });
    assert.equal(await filesContaining(dir, needles), []);
    // The key is beside the data dir, not in it, and private.
    assert.not.ok(keyFile.startsWith(dir + path.sep));
    const st = await fs.stat(keyFile);
    assert.is(st.mode & 0o777, 0o600);
    // With another key the function does not load, and the error says so without the value.
    await withHost({ dataDir: dir, secretKey: 'ab'.repeat(32), logLevel: 'error' }, async (h: TestHost) => {
      assert.is((await fetch(`${h.url}/fn/cfg?op=config&name=API_KEY`)).status, 404);
      const lines = JSON.stringify(h.lines());
      assert.match(lines, /does not open with this host's secret key/);
      assert.not.ok(lines.includes(SECRET));
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(keyFile, { force: true });
  }
});

t('WASMFN_SECRET_KEY: a host given the key makes no key file', async () => {
  const dir = await tempDir();
  try {
    await withHost({ dataDir: dir, secretKey: 'cd'.repeat(32) }, async (h) => {
      assert.is((await deployWith(h, 's', { secrets: { A: SECRET } })).status, 201);
      assert.is(await (await fetch(`${h.url}/fn/s?op=config&name=A`)).text(), `ok ${SECRET}`);
    });
    assert.is(await fs.stat(defaultSecretKeyFile(dir)).then(() => true, () => false), false);
    assert.equal(await filesContaining(dir, [SECRET]), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

t('a sealed secret opens only under its own key, function and name', () => {
  const key = Buffer.alloc(32, 7);
  const box = new SecretBox(() => key);
  const s = box.seal('f', 'A', 'value');
  assert.not.ok(s.sealed.includes('value'));
  assert.is(box.open('f', 'A', s), 'value');
  assert.throws(() => box.open('g', 'A', s), /does not open/);
  assert.throws(() => box.open('f', 'B', s), /does not open/);
  assert.throws(() => new SecretBox(() => Buffer.alloc(32, 8)).open('f', 'A', s), /does not open/);
  // Sealing twice gives different texts with the same digest.
  const s2 = box.seal('f', 'A', 'value');
  assert.is.not(s2.sealed, s.sealed);
  assert.is(s2.digest, s.digest);
});

t('WAGI guests get variables and secrets in their environment, after env and before the CGI variables', () => {
  const req: GuestRequest = {
    method: 'GET', path: '/', query: '', headers: [], body: new Uint8Array(0),
    fn: { name: 'c', version: 'v', env: { A: 'env' }, config: { API_KEY: SECRET, REQUEST_METHOD: 'spoof' } },
    server: { host: 'h', port: 80, protocol: 'HTTP/1.1', remoteAddr: '1.2.3.4', fullUrl: 'http://h/fn/c', matchedRoute: '/fn/c' },
  };
  const env = cgiEnv(req);
  assert.ok(env.includes(`API_KEY=${SECRET}`));
  assert.ok(env.includes('A=env'));
  assert.ok(env.includes('REQUEST_METHOD=GET'));
});

t('wasmfn deploy --config takes the capabilities from a file (secrets stay out of argv)', async () => {
  const dir = await tempDir();
  try {
    await withHost({ secretKey: 'ef'.repeat(32) }, async (h) => {
      const file = path.join(dir, 'config.json');
      await fs.writeFile(file, JSON.stringify({ kv: ['carts'], variables: { V: 'x' }, secrets: { S: SECRET }, limits: { memoryMb: 8 } }));
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [CLI, 'deploy', 'fromcli', path.join(FUNCTIONS_DIR, 'cap-probe.wasm'), '--config', file, '--timeout-ms', '900'],
          { env: { ...process.env, WASMFN_URL: h.url, WASMFN_TOKEN: h.token }, timeout: 60_000 },
          (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
      });
      assert.is(out.code, 0, out.stderr);
      const meta = await (await admin(h, '/api/functions/fromcli')).json() as { limits: { memoryMb: number; timeoutMs: number }; capabilities: { kv: string[]; secrets: string[] } };
      assert.equal([meta.limits.memoryMb, meta.limits.timeoutMs], [8, 900]);
      assert.equal(meta.capabilities.kv, ['carts']);
      assert.equal(meta.capabilities.secrets, ['S']);
      assert.is(await (await fetch(`${h.url}/fn/fromcli?op=config&name=S`)).text(), `ok ${SECRET}`);
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

t.run();
