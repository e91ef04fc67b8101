import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Executor, type RunJob } from '../host/sandbox/executor.js';
import { requestSource } from '../host/sandbox/job-codec.js';
import { prepareModule } from '../host/wasm/prepare.js';
import { guestRequest } from './helpers/abi-call.js';
import { wat } from './helpers/wat.js';

const executor = suite('sandbox executor: fuel accounting');

// An SDK handler that loops `iterations` times and answers 200 "ok" (status 200, no headers, a 2-byte body).
const handler = (iterations: number, check: string) => `
  (import "wasmfn" "response_write" (func $write (param i32 i32)))
  (memory 1)
  (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\02\\00\\00\\00" "ok")
  (func (export "handle") (local $i i32)
    (loop $again
      ${check}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const ${iterations}))))
    (call $write (i32.const 16) (i32.const 14)))`;

function job(module: WebAssembly.Module, fuel: bigint | null, memory = { initialPages: 1, maximumPages: 1 }): RunJob {
  return { module, abi: 'sdk', memory, fuel, request: requestSource(guestRequest()), maxResponseBytes: 1 << 20 };
}

function prepared(text: string): WebAssembly.Module {
  const p = prepareModule(wat(text), { memoryMb: 1, fuel: true, maxTableElements: 100 });
  return new WebAssembly.Module(p.bytes as Uint8Array<ArrayBuffer>);
}

executor('a module prepared now is charged the same fuel on every run, and stopped once it runs out', () => {
  const ex = new Executor();
  const module = prepared(`(module ${handler(1000, '')})`);
  const first = ex.run(job(module, 10_000_000n));
  ex.recycle();
  assert.ok(first.ok, JSON.stringify(first));
  assert.ok(first.fuelUsed! > 1000, `fuel used ${first.fuelUsed}`);
  const second = ex.run(job(module, 10_000_000n));
  ex.recycle();
  assert.is(second.fuelUsed, first.fuelUsed);
  const short = ex.run(job(module, 500n));
  ex.recycle();
  assert.not.ok(short.ok);
  assert.is(!short.ok && short.error.code, 'fuel_exhausted');
  assert.is(short.fuelUsed, 500);
  // The flag is reset per run: a generous budget after an exhausted one runs clean.
  assert.ok(ex.run(job(module, 10_000_000n)).ok);
  ex.recycle();
});

executor('a module prepared before the counter moved into it (it imports wasmfn_rt.fuel) still runs and is charged', () => {
  const ex = new Executor();
  // What earlier versions stored in prepared.wasm: the counter imported, `unreachable` when it goes negative.
  const legacy = new WebAssembly.Module(wat(`(module
    (import "wasmfn_rt" "fuel" (global $fuel (mut i64)))
    (import "wasmfn_rt" "grow_failed" (global $grow_failed (mut i32)))
    ${handler(100, `(global.set $fuel (i64.sub (global.get $fuel) (i64.const 10)))
      (if (i64.lt_s (global.get $fuel) (i64.const 0)) (then unreachable))`)})`.replace('(memory 1)', '(import "env" "memory" (memory 1 1))')) as Uint8Array<ArrayBuffer>);
  const ok = ex.run(job(legacy, 5000n));
  ex.recycle();
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.is(ok.fuelUsed, 1000);
  const out = ex.run(job(legacy, 500n));
  ex.recycle();
  assert.is(!out.ok && out.error.code, 'fuel_exhausted');
  assert.is(out.fuelUsed, 500);
});

executor('running out of fuel in a start function is fuel_exhausted, charged the whole budget', () => {
  const ex = new Executor();
  const module = prepared(`(module ${handler(1, '')}
    (func $init (local $i i32)
      (loop $again
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $i) (i32.const 100000)))))
    (start $init))`);
  const out = ex.run(job(module, 1000n));
  ex.recycle();
  assert.is(!out.ok && out.error.code, 'fuel_exhausted');
  assert.is(out.fuelUsed, 1000);
});

executor.run();
