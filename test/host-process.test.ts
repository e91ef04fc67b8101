import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { deploy, fnBytes, tempDir, until } from './helpers/host.js';
import { parsePrometheus } from './helpers/prometheus.js';
import { spawnHost, stopHost } from './helpers/process.js';

const proc = suite('host process');

/** One unlabelled sample of the host's GET /metrics. */
async function metric(url: string, name: string): Promise<number | undefined> {
  const samples = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
  return samples.find((s) => s.name === name)?.value;
}

proc('first start generates a 0600 token, deploys the examples, and everything survives a restart', async () => {
  const dir = await tempDir();
  try {
    const first = await spawnHost(dir, {}, []);
    let token: string;
    try {
      const tokenFile = path.join(dir, 'token');
      const st = await fs.stat(tokenFile);
      assert.is(st.mode & 0o777, 0o600);
      token = (await fs.readFile(tokenFile, 'utf8')).trim();
      assert.ok(first.output().includes(tokenFile), 'the token path is printed');
      assert.is(await (await fetch(`${first.url}/fn/hello?name=x`)).text(), 'Hello, x!', 'examples are deployed on start');
      assert.is((await deploy({ url: first.url, token }, 'mine', await fnBytes('echo'))).status, 201);
      assert.is((await deploy({ url: first.url, token }, 'mine', await fnBytes('hello'))).status, 201);
    } finally {
      assert.is(await stopHost(first), 0, 'SIGTERM exits 0');
    }
    const second = await spawnHost(dir);
    try {
      assert.is(await (await fetch(`${second.url}/fn/mine?name=again`)).text(), 'Hello, again!');
      const info = (await (await fetch(`${second.url}/api/functions/mine`, { headers: { authorization: `Bearer ${token}` } })).json()) as { history: string[] };
      assert.is(info.history.length, 1, 'the history survives too');
    } finally {
      await stopHost(second);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

proc('SIGTERM lets an in-flight request finish before exiting 0', async () => {
  const dir = await tempDir();
  try {
    const h = await spawnHost(dir, { WASMFN_TOKEN: 'secret' });
    try {
      assert.is((await deploy({ url: h.url, token: 'secret' }, 'slow', await fnBytes('fib'))).status, 201);
      const inflight = fetch(`${h.url}/fn/slow?n=32`).then(async (r) => [r.status, await r.text()] as const);
      await until(async () => (await metric(h.url, 'wasmfn_inflight')) === 1, 'the request in flight on the host before SIGTERM');
      h.child.kill('SIGTERM');
      const [status, text] = await inflight;
      assert.is(status, 200);
      assert.match(text, /2178309/);
    } finally {
      assert.is(await stopHost(h), 0);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

proc('a kill during deploys leaves the previous or the new version live, never a partial one', async () => {
  const dir = await tempDir();
  try {
    const [hello, echo] = [await fnBytes('hello'), await fnBytes('echo')];
    const setup = await spawnHost(dir, { WASMFN_TOKEN: 'secret' }, ['--no-examples']);
    try {
      assert.is((await deploy({ url: setup.url, token: 'secret' }, 'victim', hello)).status, 201);
    } finally {
      await stopHost(setup);
    }
    // Kill at a different moment each round; whatever the moment, a restart must find a complete version live. The
    // delay is the moment under test, not a wait for a state.
    for (let round = 0; round < 5; round++) {
      const h = await spawnHost(dir, { WASMFN_TOKEN: 'secret' }, ['--no-examples']);
      const pending = Array.from({ length: 4 }, (_, i) => deploy({ url: h.url, token: 'secret' }, 'victim', (i + round) % 2 ? echo : hello).catch(() => null));
      await new Promise((r) => setTimeout(r, 20 + round * 60));
      h.child.kill('SIGKILL');
      await h.exited;
      await Promise.all(pending);
      const after = await spawnHost(dir, { WASMFN_TOKEN: 'secret' }, ['--no-examples']);
      try {
        const res = await fetch(`${after.url}/fn/victim?name=k`);
        assert.is(res.status, 200, `round ${round}: a version is live`);
        const text = await res.text();
        assert.ok(text === 'Hello, k!' || text.startsWith('{"method"'), `round ${round}: ${text}`);
      } finally {
        await stopHost(after);
      }
      const vdir = path.join(dir, 'functions', 'victim', 'versions');
      for (const v of await fs.readdir(vdir)) {
        assert.not.ok(v.endsWith('.tmp'), 'a restart clears half-written version directories');
        for (const f of ['meta.json', 'prepared.wasm', 'module.wasm', 'config.json']) await fs.access(path.join(vdir, v, f));
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

proc.run();
