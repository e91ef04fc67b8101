import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Executor, type RunJob } from '../host/sandbox/executor.js';
import { requestSource } from '../host/sandbox/job-codec.js';
import { prepareModule } from '../host/wasm/prepare.js';
import { guestRequest } from './helpers/abi-call.js';
import { wat } from './helpers/wat.js';
import { loopingHandler } from './helpers/sdk-guest.js';

const executor = suite('sandbox executor: fuel accounting');

function job(module: WebAssembly.Module, fuel: bigint | null, memory = { initialPages: 1, maximumPages: 1 }): RunJob {
  return { module, abi: 'sdk', memory, fuel, request: requestSource(guestRequest()), maxResponseBytes: 1 << 20 };
}

function prepared(text: string): WebAssembly.Module {
  const p = prepareModule(wat(text), { memoryMb: 1, fuel: true, maxTableElements: 100 });
  return new WebAssembly.Module(p.bytes as Uint8Array<ArrayBuffer>);
}

executor('a module prepared now is charged the same fuel on every run, and stopped once it runs out', () => {
  const ex = new Executor();
  const module = prepared(`(module ${loopingHandler(1000, '')})`);
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

executor('running out of fuel in a start function is fuel_exhausted, charged the whole budget', () => {
  const ex = new Executor();
  const module = prepared(`(module ${loopingHandler(1, '')}
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
