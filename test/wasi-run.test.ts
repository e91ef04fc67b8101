// `wasmfn run`: a WASI command run locally through the real CLI, with its exit code, stdio, env and args, host
// directories it may use and may not leave (`..`, absolute and relative symlinks), and the host's limits.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CLI, FUNCTIONS_DIR, tempDir } from './helpers/host.js';

const PROBE = path.join(FUNCTIONS_DIR, 'wasi-probe.wasm');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input = ''): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A box: `inside/` (the preopen) with a file and links, `outside.txt` next to it. */
async function box(): Promise<{ root: string; inside: string; outside: string }> {
  const root = await tempDir('wasmfn-run-');
  const inside = path.join(root, 'inside');
  const outside = path.join(root, 'outside.txt');
  await fs.mkdir(path.join(inside, 'sub'), { recursive: true });
  await fs.writeFile(path.join(inside, 'a.txt'), 'hello');
  await fs.writeFile(outside, 'secret');
  await fs.symlink('a.txt', path.join(inside, 'ok-link'));
  await fs.symlink(outside, path.join(inside, 'abs-link'));
  await fs.symlink('../outside.txt', path.join(inside, 'rel-link'));
  await fs.symlink('..', path.join(inside, 'sub', 'up'));
  await fs.symlink('../..', path.join(inside, 'sub', 'upup'));
  return { root, inside, outside };
}

test('the exit code, args, env and stdin reach the guest; its stdout comes back', async () => {
  assert.is((await run([PROBE, '--', 'exit', '7'])).code, 7);
  const args = await run([PROBE, '--', 'args', 'x y', '--z']);
  assert.is(args.stdout, 'wasi-probe.wasm\nargs\nx y\n--z\n');
  assert.is((await run([PROBE, '--env', 'GREETING=hi there', '--', 'env', 'GREETING'])).stdout, 'hi there\n');
  assert.is((await run([PROBE, '--', 'stdin'], 'x'.repeat(10_000))).stdout, '10000 bytes\n');
});

test('--dir gives the guest a host directory to read, list and write', async () => {
  const b = await box();
  try {
    const dir = `${b.inside}::/data`;
    const read = await run([PROBE, '--dir', dir, '--', 'cat-each', '/data/a.txt', '/data/ok-link', '/data/sub/up/a.txt', 'data/a.txt']);
    assert.is(read.stdout, '/data/a.txt: hello\n/data/ok-link: hello\n/data/sub/up/a.txt: hello\ndata/a.txt: hello\n', 'links and .. that stay inside are followed');
    const w = await run([PROBE, '--dir', dir, '--', 'write', '/data/sub/new.txt', 'made']);
    assert.is(w.code, 0, w.stderr);
    assert.is(await fs.readFile(path.join(b.inside, 'sub', 'new.txt'), 'utf8'), 'made');
    const ls = await run([PROBE, '--dir', dir, '--', 'ls', '/data']);
    assert.equal(ls.stdout.trim().split('\n').sort(), ['a.txt', 'abs-link', 'ok-link', 'rel-link', 'sub']);
  } finally {
    await fs.rm(b.root, { recursive: true, force: true });
  }
});

test('no path, .. or symlink leads out of a --dir: reads and writes are refused, nothing outside changes', async () => {
  const b = await box();
  try {
    const dir = `${b.inside}::/data`;
    const escapes = ['/data/../outside.txt', '/data/abs-link', '/data/rel-link', '/data/sub/upup/outside.txt', '/data/sub/../../outside.txt'];
    const read = await run([PROBE, '--dir', dir, '--', 'cat-each', ...escapes]);
    assert.is(read.code, escapes.length, read.stdout);
    for (const line of read.stdout.trim().split('\n')) assert.match(line, /: error (Capabilities insufficient|No such file or directory)$/);
    assert.not.match(read.stdout, /secret/);
    const write = await run([PROBE, '--dir', dir, '--', 'write-each', ...escapes]);
    assert.is(write.code, escapes.length, write.stdout);
    assert.is(await fs.readFile(b.outside, 'utf8'), 'secret');
    assert.equal((await fs.readdir(b.root)).sort(), ['inside', 'outside.txt']);
    // Without --dir there is no filesystem at all.
    assert.is((await run([PROBE, '--', 'cat-each', '/data/a.txt'])).code, 1);
  } finally {
    await fs.rm(b.root, { recursive: true, force: true });
  }
});

test('limits: fuel, wall time and memory each end the run with their error code and a non-zero exit', async () => {
  const fuel = await run([PROBE, '--fuel', '1000000', '--', 'spin']);
  assert.is(fuel.code, 134);
  assert.match(fuel.stderr, /fuel_exhausted/);
  const slow = await run([PROBE, '--timeout-ms', '200', '--', 'sleep']);
  assert.is(slow.code, 124);
  assert.match(slow.stderr, /timeout/);
  const big = await run([PROBE, '--memory-mb', '2', '--', 'alloc', '8']);
  assert.is(big.code, 134);
  assert.match(big.stderr, /memory_limit/);
  const ok = await run([PROBE, '--memory-mb', '32', '--', 'alloc', '8']);
  assert.is(ok.code, 0, ok.stderr);
});

test('bad usage is exit 2 with a message; a module that is no WASI command is refused with its error code', async () => {
  assert.is((await run([])).code, 2);
  const noDir = await run([PROBE, '--dir', '/no/such/dir', '--', 'exit', '0']);
  assert.is(noDir.code, 2);
  assert.match(noDir.stderr, /--dir/);
  assert.is((await run([PROBE, '--fuel', 'lots'])).code, 2);
  const notWasm = await run([CLI]);
  assert.is(notWasm.code, 1);
  assert.match(notWasm.stderr, /invalid_module/);
});

test.run();
