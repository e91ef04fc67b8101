// Versions stored by earlier releases: brought to today's form once, when the host loads them.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { deploy, tempDir, withHost } from './helpers/host.js';
import { RUNTIME_MODULE, runtimeNamespace } from '../host/wasm/fuel-contract.js';
import { wat, watNamed } from './helpers/wat.js';
import { loopingHandler } from './helpers/sdk-guest.js';

const test = suite('store: versions stored by earlier releases');

/** Deploys `upload` as `name` into `dataDir`, returning its version and the fuel one call of it uses. */
async function deployed(dataDir: string, name: string, upload: Uint8Array, status = 200): Promise<{ version: string; fuel: string }> {
  return withHost({ dataDir }, async (h) => {
    const res = await deploy(h, name, upload);
    assert.is(res.status, 201, await res.clone().text());
    const call = await fetch(`${h.url}/fn/${name}`);
    assert.is(call.status, status);
    return { version: ((await res.json()) as { version: string }).version, fuel: call.headers.get('x-wasmfn-fuel')! };
  });
}

test('a version whose prepared module imports its fuel counter is prepared again at load, and its fuel counted', async () => {
  const dataDir = await tempDir();
  try {
    const { version, fuel } = await deployed(dataDir, 'old', wat(`(module ${loopingHandler(100)})`));
    // What earlier releases stored: the counter imported and charged by the module, trapping once it is negative.
    const legacy = wat(`(module
      (import "wasmfn_rt" "fuel" (global $fuel (mut i64)))
      (import "wasmfn_rt" "grow_failed" (global $grow_failed (mut i32)))
      ${loopingHandler(100, `(global.set $fuel (i64.sub (global.get $fuel) (i64.const 1)))
        (if (i64.lt_s (global.get $fuel) (i64.const 0)) (then unreachable))`, '(import "env" "memory" (memory 1 256))')})`);
    const file = path.join(dataDir, 'functions', 'old', 'versions', version, 'prepared.wasm');
    await fs.writeFile(file, legacy);
    await withHost({ dataDir }, async (h) => {
      const res = await fetch(`${h.url}/fn/old`);
      assert.is(res.status, 200, await res.clone().text());
      assert.is(await res.text(), 'ok');
      assert.is(res.headers.get('x-wasmfn-fuel'), fuel, 'charged as the module prepared today is');
    });
    const stored = new WebAssembly.Module(new Uint8Array(await fs.readFile(file)));
    assert.not.ok(WebAssembly.Module.imports(stored).some((i) => i.module === 'wasmfn_rt' && i.name === 'fuel'), 'the stored form was rewritten');
    assert.ok(WebAssembly.Module.exports(stored).some((e) => e.name === '__wasmfn_fuel'));
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

function trapStack(run: () => void): string {
  try {
    run();
  } catch (e) {
    return String((e as Error).stack);
  }
  throw new Error('expected a trap');
}

test('a version whose prepared module names a function with megabytes is prepared again: its trap frames stay short', async () => {
  const dataDir = await tempDir();
  try {
    const body = (fn: string) => `(func (export "handle") (call ${fn})) (func ${fn} unreachable)`;
    const { version } = await deployed(dataDir, 'named', watNamed(`(module (memory 1) ${body('$short')})`), 500);
    // What a release before the names were bounded stored: the name section as the upload had it.
    const long = `$${'N'.repeat(1024 * 1024)}`;
    const file = path.join(dataDir, 'functions', 'named', 'versions', version, 'prepared.wasm');
    await fs.writeFile(file, watNamed(`(module (import "env" "memory" (memory 1 256)) ${body(long)})`));
    await withHost({ dataDir }, async (h) => {
      const res = await fetch(`${h.url}/fn/named`);
      assert.is(res.status, 500);
      // The stack V8 builds for a trap of the live module, before anything of ours cuts its frames.
      const live = h.registry.require('named').module;
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 256 });
      const instance = new WebAssembly.Instance(live, { env: { memory }, [RUNTIME_MODULE]: runtimeNamespace(1_000_000n) } as unknown as WebAssembly.Imports);
      const stack = trapStack(() => (instance.exports['handle'] as () => void)());
      assert.ok(stack.length < 8 * 1024, `a stack of ${stack.length} characters`);
    });
    assert.ok((await fs.stat(file)).size < 64 * 1024, 'the stored form was rewritten');
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test.run();
