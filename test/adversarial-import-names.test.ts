// Hostile import names: V8 finds a module's imports by property lookup on the import object, so a name such as
// `constructor` or `toString` would link whatever an ordinary JS object inherits (Object, its static functions,
// Object.prototype's methods). Deploy refuses such names; the import objects have nothing to inherit anyway.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wat } from './helpers/wat.js';
import { loaderGuest } from './fixtures/wasm/loader-guests.js';
import { guestRequest } from './helpers/abi-call.js';
import { refusal } from './helpers/refusal.js';
import { Executor } from '../host/sandbox/executor.js';
import { requestSource } from '../host/sandbox/job-codec.js';
import type { AbiName } from '../host/abi/types.js';

const names = suite('adversarial: import names');

const INHERITED = ['constructor', 'toString', 'hasOwnProperty', '__proto__', '__defineGetter__', 'valueOf'];


names('a WAGI module importing a name WASI does not have (an inherited one) is refused at deploy', () => {
  for (const name of [...INHERITED, 'not_a_wasi_call']) {
    const e = refusal(wat(`(module (import "wasi_snapshot_preview1" ${JSON.stringify(name)} (func (param i32) (result i32)))
      (memory (export "memory") 1) (func (export "_start")))`));
    assert.is(e.code, 'invalid_module', name);
    assert.ok(e.details?.some((d) => d.includes(`"wasi_snapshot_preview1"."${name}"`)), `${name}: ${JSON.stringify(e.details)}`);
  }
});

names('SDK and loader modules importing inherited names are refused at deploy', () => {
  for (const name of INHERITED) {
    const e = refusal(wat(`(module (import "env" ${JSON.stringify(name)} (func (param i32) (result i32)))
      (memory (export "memory") 1) (func (export "handle")))`));
    assert.is(e.code, 'invalid_module', name);
  }
});

/** Runs `text` once through a fresh Executor under `abi`, past any deploy check. */
function runPastDeploy(abi: AbiName, text: string): { ok: boolean; code: string; message: string } {
  const r = new Executor().run({
    module: new WebAssembly.Module(wat(text) as Uint8Array<ArrayBuffer>), abi, memory: { initialPages: 1, maximumPages: 1 }, fuel: null,
    request: requestSource(guestRequest()), maxResponseBytes: 1 << 20,
  });
  return r.ok ? { ok: true, code: 'ok', message: '' } : { ok: false, code: r.error.code, message: r.error.message };
}

names('past deploy, a module importing what an ordinary object inherits fails to link under every ABI', () => {
  const cases: [AbiName, string][] = [
    // Object itself as a namespace: its statics (assign, defineProperty, getPrototypeOf, ...) as imports.
    ['sdk', `(module (import "constructor" "assign" (func (param i32 i32) (result i32))) (func (export "handle")))`],
    ['sdk', `(module (import "wasmfn" "constructor" (func (param i32) (result i32))) (func (export "handle")))`],
    ['loader', loaderGuest({ imports: '(import "env" "constructor" (func (param i32) (result i32)))' })],
    ['loader', `(module (import "constructor" "keys" (func (param i32) (result i32))) (import "env" "memory" (memory 1))
      (func (export "__new") (param i32 i32) (result i32) (i32.const 1024)) (func (export "handle") (param i32) (result i32) (i32.const 0)))`],
    ['wagi', `(module (import "wasi_snapshot_preview1" "toString" (func (result i32))) (func (export "_start")))`],
    ['wagi', `(module (import "constructor" "freeze" (func (param i32) (result i32))) (func (export "_start")))`],
  ];
  for (const [abi, text] of cases) {
    const r = runPastDeploy(abi, text);
    assert.is(r.code, 'trap', `${abi}: ${text}\n${r.code}: ${r.message}`);
    assert.match(r.message, /Import #\d+ module=/, `${abi}: ${r.message}`);
  }
});

names.run();
