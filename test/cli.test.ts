import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs/promises';
import { withHost, tempDir, CLI, FUNCTIONS_DIR } from './helpers/host.js';

interface Run { code: number; stdout: string; stderr: string }

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    // A command that never ends is killed and fails its test rather than hanging the suite.
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const cmd = suite('wasmfn CLI');

cmd('deploy, list, invoke, rollback and rm work against a running host', async () => {
  await withHost({}, async (h) => {
    const base = ['--url', h.url];
    const env = { WASMFN_TOKEN: h.token };
    const dep = await cli(['deploy', 'greet', path.join(FUNCTIONS_DIR, 'echo.wasm'), '--memory-mb', '8', '--env', 'A=1', ...base], env);
    assert.is(dep.code, 0, dep.stderr);
    assert.match(dep.stdout, /deployed greet version [0-9a-f]+/);
    const dep2 = await cli(['deploy', 'greet', path.join(FUNCTIONS_DIR, 'hello.wasm'), ...base], env);
    assert.is(dep2.code, 0, dep2.stderr);
    const list = await cli(['list', ...base], env);
    assert.is(list.code, 0);
    assert.match(list.stdout, /name\s+version\s+abi/);
    assert.match(list.stdout, /greet\s+[0-9a-f]+\s+sdk/);
    const inv = await cli(['invoke', 'greet', '?name=cli', ...base], env);
    assert.is(inv.code, 0, inv.stderr);
    assert.is(inv.stdout.trim(), 'Hello, cli!');
    const rb = await cli(['rollback', 'greet', ...base], env);
    assert.is(rb.code, 0, rb.stderr);
    const echoed = await cli(['invoke', 'greet', '/p', '--data', 'body!', ...base], env);
    assert.match(echoed.stdout, /"body":"body!"/, echoed.stdout + echoed.stderr);
    const rm = await cli(['rm', 'greet', ...base], env);
    assert.is(rm.code, 0);
    const gone = await cli(['invoke', 'greet', ...base], env);
    assert.is(gone.code, 1);
    assert.match(gone.stderr, /function_not_found/);
  });
});

cmd('the token is read from the data dir when WASMFN_TOKEN is unset', async () => {
  const dir = await tempDir();
  try {
    await withHost({ dataDir: dir }, async (h) => {
      const env: Record<string, string> = { WASMFN_TOKEN: '' };
      const r = await cli(['list', '--url', h.url, '--data-dir', dir], env);
      assert.is(r.code, 0, r.stderr);
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

cmd('errors exit non-zero with a clear message', async () => {
  await withHost({}, async (h) => {
    const env = { WASMFN_TOKEN: h.token };
    const bad = await cli(['deploy', 'Bad_Name', path.join(FUNCTIONS_DIR, 'hello.wasm'), '--url', h.url], env);
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /bad_request/);
    const wrong = await cli(['list', '--url', h.url], { WASMFN_TOKEN: 'wrong' });
    assert.is(wrong.code, 1);
    assert.match(wrong.stderr, /unauthorized/);
    const missingFile = await cli(['deploy', 'x', '/nonexistent.wasm', '--url', h.url], env);
    assert.is(missingFile.code, 1);
    assert.match(missingFile.stderr, /cannot read/);
    const usage = await cli(['deploy'], env);
    assert.is(usage.code, 2);
    const unknown = await cli(['frobnicate'], env);
    assert.is(unknown.code, 2);
    const down = await cli(['list', '--url', 'http://127.0.0.1:1'], env);
    assert.is(down.code, 1);
    assert.match(down.stderr, /cannot reach/);
  });
});

cmd.run();
