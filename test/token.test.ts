import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { resolveToken } from '../host/token.js';
import { startHost } from '../host/server.js';
import { WasmfnError } from '../host/errors.js';
import { tempDir, silentLogger, CLI } from './helpers/host.js';

const token = suite('admin token');

const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof WasmfnError ? e.code : `not a WasmfnError: ${String(e)}`;
  }
};

token('a token file with a token is read without its surrounding whitespace', async () => {
  const dir = await tempDir();
  try {
    await fs.writeFile(path.join(dir, 'token'), '  abc123\n');
    assert.equal(await resolveToken(dir, null), { token: 'abc123', generated: false, file: path.join(dir, 'token') });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

token('an empty or whitespace-only token file is refused and left as it is', async () => {
  const dir = await tempDir();
  try {
    for (const text of ['', '\n', '  \t\r\n ']) {
      await fs.writeFile(path.join(dir, 'token'), text);
      assert.is(await failure(resolveToken(dir, null)), 'bad_request', JSON.stringify(text));
      assert.is(await failure(startHost({ dataDir: dir, port: 0, workers: 1, logger: silentLogger(), deployExamples: false })), 'bad_request');
      assert.is(await fs.readFile(path.join(dir, 'token'), 'utf8'), text, 'someone may have handed out the old token: it is not replaced');
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

token('wasmfn serve with a blank token file exits non-zero before listening and names the file', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'token');
    await fs.writeFile(file, '\n');
    const env = { ...process.env, WASMFN_TOKEN: '', LOG_LEVEL: 'info' };
    const run = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'serve', '--port', '0', '--data', dir, '--no-examples'], { env, timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr });
      });
    });
    assert.is(run.code, 1, run.out);
    assert.not.match(run.out, /listening/);
    assert.ok(run.out.includes(file), run.out);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

token('a whitespace-only given token is refused, a given one is used without surrounding whitespace', async () => {
  const dir = await tempDir();
  try {
    assert.is(await failure(resolveToken(dir, '   ')), 'bad_request');
    assert.is((await resolveToken(dir, ' t0k ')).token, 't0k');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

token.run();
