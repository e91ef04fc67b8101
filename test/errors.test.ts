import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmfnError } from '../host/errors.js';

const errors = suite('typed errors');

errors('an error keeps its code, status, details and Retry-After through its serialized form', () => {
  const e = new WasmfnError('overloaded', 'the host is shutting down', { retryAfterS: 1, details: ['a'] });
  const back = WasmfnError.from(JSON.parse(JSON.stringify(e.toJSON())));
  assert.is(back.code, 'overloaded');
  assert.is(back.status, 503);
  assert.is(back.retryAfterS, 1);
  assert.equal(back.details, ['a']);
  assert.is(WasmfnError.from(new WasmfnError('trap', 'x').toJSON()).retryAfterS, undefined);
});

errors.run();
