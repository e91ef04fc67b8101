import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { invokeLoader } from '../host/abi/loader.js';
import { WasmfnError } from '../host/errors.js';
import { callContext, preparedFunction, text, thrownCode, utf8, type PreparedFn } from './helpers/abi-call.js';
import { wat } from './helpers/wat.js';
import { allocAt, answerUnits, loaderGuest, OUT } from './fixtures/wasm/loader-guests.js';

const loader = suite('abi loader');

loader('shout upper-cases the request body and answers text/plain', async () => {
  const fn = await preparedFunction('shout');
  const res = invokeLoader(callContext(fn, { method: 'POST', body: utf8('hello wörld') }));
  assert.is(res.status, 200);
  assert.equal(res.headers, [['content-type', 'text/plain; charset=utf-8']]);
  assert.is(text(res.body), 'HELLO WÖRLD');
});

loader('an empty body gives an empty answer', async () => {
  const fn = await preparedFunction('shout');
  assert.is(text(invokeLoader(callContext(fn)).body), '');
});

loader('abort in the guest is a trap that carries the abort message', async () => {
  const fn = await preparedFunction('shout');
  try {
    invokeLoader(callContext(fn, { method: 'POST', body: utf8('abort') }));
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, WasmfnError);
    assert.is((e as WasmfnError).code, 'trap');
    assert.match((e as WasmfnError).message, 'shout was asked to abort');
  }
});

loader('a result over maxResponseBytes is response_too_large', async () => {
  const fn = await preparedFunction('shout');
  const ctx = callContext(fn, { method: 'POST', body: utf8('x'.repeat(5000)) }, { maxResponseBytes: 4096 });
  assert.is(thrownCode(() => invokeLoader(ctx)), 'response_too_large');
});

loader('calls share nothing: the same memory, zeroed, serves call after call', async () => {
  const fn = await preparedFunction('shout');
  const memory = new WebAssembly.Memory({ initial: fn.initialPages, maximum: fn.maximumPages });
  for (const word of ['one', 'two', 'three']) {
    new Uint8Array(memory.buffer).fill(0);
    assert.is(text(invokeLoader(callContext(fn, { body: utf8(word) }, { memory })).body), word.toUpperCase());
  }
});

/** A hand-written loader-form guest, unprepared, on a memory of 1 page that may grow to 4. */
function guest(text: string): PreparedFn {
  return { module: new WebAssembly.Module(wat(text) as Uint8Array<ArrayBuffer>), initialPages: 1, maximumPages: 4 };
}

loader('bench-greet greets its input', async () => {
  const fn = await preparedFunction('bench-greet');
  assert.is(text(invokeLoader(callContext(fn, { body: utf8('Ada') })).body), 'Hello, Ada!');
});

loader('non-ASCII bodies travel both ways, characters outside the BMP included', async () => {
  const fn = await preparedFunction('shout');
  const input = 'héllo wörld ✓ 😀 ünïcödé '.repeat(20);
  assert.is(text(invokeLoader(callContext(fn, { body: utf8(input) })).body), input.toUpperCase());
});

loader('bytes that are not UTF-8 reach the guest as U+FFFD', async () => {
  const fn = await preparedFunction('shout');
  const res = invokeLoader(callContext(fn, { body: new Uint8Array([0x61, 0xff, 0x62]) }));
  assert.is(text(res.body), 'A\uFFFDB');
});

loader('a lone surrogate in the result becomes U+FFFD; a leading U+FEFF is kept', () => {
  const fn = guest(loaderGuest({ handle: answerUnits([0xfeff, 0x61, 0xd800, 0x62]) }));
  assert.equal([...invokeLoader(callContext(fn)).body], [0xef, 0xbb, 0xbf, 0x61, 0xef, 0xbf, 0xbd, 0x62]);
});

loader('a null result is an empty 200 answer', () => {
  const res = invokeLoader(callContext(guest(loaderGuest({ handle: '(i32.const 0)' }))));
  assert.is(res.status, 200);
  assert.is(res.body.length, 0);
});

loader('a result within the limit in characters but over it in UTF-8 bytes is response_too_large', async () => {
  const fn = await preparedFunction('shout');
  const ctx = callContext(fn, { body: utf8('é'.repeat(3000)) }, { maxResponseBytes: 4096 });
  assert.is(thrownCode(() => invokeLoader(ctx)), 'response_too_large');
});

loader('the input is written where __new says, even in memory __new just grew', () => {
  const grown = allocAt('(i32.add (i32.shl (memory.grow (i32.const 1)) (i32.const 16)) (i32.const 1024))');
  const fn = guest(loaderGuest({ memory: '1', alloc: grown, handle: '(local.get $input)' }));
  const ctx = callContext(fn, { body: utf8('echo ✓') });
  assert.is(text(invokeLoader(ctx).body), 'echo ✓');
  assert.is(ctx.memory.buffer.byteLength, 2 * 65536);
});

loader('the input is pinned and handle() is told it has one argument, as the loader did', () => {
  // Traps unless __pin saw the input and __setArgumentsLength(1) came before handle().
  const fn = guest(loaderGuest({
    alloc: allocAt(`(i32.const ${OUT})`),
    pin: '(global.set $pinned (local.get $ptr)) (local.get $ptr)',
    extra: `(global $pinned (mut i32) (i32.const 0)) (global $argc (mut i32) (i32.const 0))
      (func (export "__setArgumentsLength") (param i32) (global.set $argc (local.get 0)))`,
    handle: '(if (i32.ne (global.get $argc) (i32.const 1)) (then unreachable)) (if (i32.ne (global.get $pinned) (local.get $input)) (then unreachable)) (local.get $input)',
  }));
  assert.is(text(invokeLoader(callContext(fn, { body: utf8('pinned') })).body), 'pinned');
});

loader.run();
