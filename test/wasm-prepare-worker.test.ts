import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmfnError } from '../host/errors.js';
import { prepareModule, type PrepareOptions } from '../host/wasm/prepare.js';
import { PrepareWorker } from '../host/wasm/prepare-worker.js';
import { wat, watFixture } from './helpers/wat.js';

const test = suite('wasm prepare in a worker');

const worker = new PrepareWorker();
const prepareInWorker = (bytes: Uint8Array, o: PrepareOptions, timeLimitMs: number) => worker.prepare(bytes, o, timeLimitMs);

const opts: PrepareOptions = { memoryMb: 1, fuel: true, maxTableElements: 100_000 };
/** Generous: the worker starts and loads Binaryen (about half a second alone) on a possibly busy machine. */
const ROOMY_MS = 60_000;

async function rejection(p: Promise<unknown>): Promise<WasmfnError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, WasmfnError);
    return e as WasmfnError;
  }
  throw new Error('expected a rejection');
}

test('the worker returns what prepareModule returns on the main thread', async () => {
  const bytes = watFixture('own-memory');
  const inWorker = await prepareInWorker(bytes, opts, ROOMY_MS);
  const here = prepareModule(bytes, opts);
  assert.equal({ ...inWorker, bytes: [...inWorker.bytes] }, { ...here, bytes: [...here.bytes] });
  assert.instance(inWorker.bytes, Uint8Array);
  assert.ok(WebAssembly.validate(inWorker.bytes as Uint8Array<ArrayBuffer>));
});

test('an invalid module is rejected with its details', async () => {
  const e = await rejection(prepareInWorker(wat('(module (import "env" "nope" (func)) (func (export "handle")))'), opts, ROOMY_MS));
  assert.is(e.code, 'invalid_module');
  assert.is(e.details?.length, 1);
  assert.ok(e.details![0]!.includes('"env"."nope"'));
});

test('a time limit of 0 ms always fails, with the limit in the details', async () => {
  const e = await rejection(prepareInWorker(watFixture('own-memory'), opts, 0));
  assert.is(e.code, 'invalid_module');
  assert.equal(e.details, ['preparing the module took longer than 0 ms']);
});

test('a limit far below worker start-up stops a big module', async () => {
  const functions = Array.from({ length: 5000 }, (_, i) => `(func (export "f${i}") (result i32) (i32.add (i32.const ${i}) (i32.const 1)))`);
  const big = wat(`(module (memory 1) (func (export "handle")) ${functions.join('\n')})`);
  const e = await rejection(prepareInWorker(big, opts, 5));
  assert.is(e.code, 'invalid_module');
  assert.equal(e.details, ['preparing the module took longer than 5 ms']);
});

test('once closed, what is queued is refused and nothing more is taken', async () => {
  const closing = new PrepareWorker();
  const queued = [closing.prepare(watFixture('own-memory'), opts, ROOMY_MS), closing.prepare(watFixture('own-memory'), opts, ROOMY_MS)];
  closing.close();
  for (const p of queued) assert.is((await rejection(p)).code, 'overloaded');
  assert.is((await rejection(closing.prepare(watFixture('own-memory'), opts, ROOMY_MS))).code, 'overloaded');
});

test.after(() => worker.close());

test.run();
