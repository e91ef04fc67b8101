import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { invokeLoader } from '../host/abi/loader.js';
import { WasmfnError } from '../host/errors.js';
import { callContext, preparedFunction, text, thrownCode, utf8 } from './helpers/abi-call.js';

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

loader.run();
