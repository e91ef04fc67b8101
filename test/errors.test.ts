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

errors('an error that ends the connection says so, in its serialized form too', () => {
  const e = new WasmfnError('overloaded', 'busy', { retryAfterS: 1 }).closingConnection();
  assert.is(e.closeConnection, true);
  assert.is(e.retryAfterS, 1);
  assert.is(WasmfnError.from(JSON.parse(JSON.stringify(e.toJSON()))).closeConnection, true);
  assert.is(new WasmfnError('overloaded', 'busy').closeConnection, undefined);
  assert.not.ok('closeConnection' in new WasmfnError('trap', 'x').toJSON());
});

errors.run();
