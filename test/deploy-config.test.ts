import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkName, parseConfigJson, parseConfigQuery, canonicalConfig } from '../host/store/deploy-config.js';
import { MAX_LIMITS } from '../host/config.js';
import { WasmfnError } from '../host/errors.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return (e as WasmfnError).code;
  }
};

const names = suite('function names');

names('lower-case names with digits and dashes are accepted', () => {
  for (const n of ['a', 'hello', 'json-transform', '0x', 'a'.repeat(63)]) assert.is(checkName(n), n);
});

names('everything else is a bad_request', () => {
  for (const n of ['', '-a', 'Hello', 'a_b', 'a.b', 'a'.repeat(64), '../etc', 'a b', 'é']) assert.is(code(() => checkName(n)), 'bad_request', n);
});

names.run();

const config = suite('deploy config');

config('JSON config with limits and env is parsed', () => {
  const c = parseConfigJson('{"limits":{"memoryMb":32,"timeoutMs":500,"fuel":1000},"env":{"GREETING":"hi"}}', MAX_LIMITS);
  assert.equal(c.limits, { memoryMb: 32, timeoutMs: 500, fuel: 1000 });
  assert.equal(c.env, { GREETING: 'hi' });
});

config('unknown fields, bad types and limits over the host maximum are bad_request', () => {
  assert.is(code(() => parseConfigJson('{"limit":{}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"limits":{"cpu":1}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"limits":{"memoryMb":"32"}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"limits":{"memoryMb":1024}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"limits":{"timeoutMs":0}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"env":{"A":1}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"env":{"1A":"x"}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"abi":"cobol"}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('not json', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('[]', MAX_LIMITS)), 'bad_request');
});

config('query-parameter config accepts limits, abi and repeated env', () => {
  const c = parseConfigQuery(new URLSearchParams('memoryMb=8&timeoutMs=200&env=A=1&env=B=x%3Dy&abi=wagi'), MAX_LIMITS);
  assert.equal(c, { limits: { memoryMb: 8, timeoutMs: 200 }, env: { A: '1', B: 'x=y' }, abi: 'wagi' });
  assert.is(code(() => parseConfigQuery(new URLSearchParams('memory=8'), MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigQuery(new URLSearchParams('memoryMb=abc'), MAX_LIMITS)), 'bad_request');
  for (const odd of ['memoryMb=0x10', 'memoryMb=1e1', 'memoryMb=%208', 'memoryMb=8.0', 'memoryMb=-8', 'memoryMb=8&memoryMb=16', 'abi=sdk&abi=wagi']) {
    assert.is(code(() => parseConfigQuery(new URLSearchParams(odd), MAX_LIMITS)), 'bad_request', odd);
  }
  assert.is(parseConfigQuery(new URLSearchParams('memoryMb=08'), MAX_LIMITS).limits.memoryMb, 8);
  assert.is(code(() => parseConfigQuery(new URLSearchParams('env=novalue'), MAX_LIMITS)), 'bad_request');
});

config('the env key __proto__ is reserved, and no limit or top-level field can reach a prototype', () => {
  assert.is(code(() => parseConfigQuery(new URLSearchParams('env=__proto__=secret'), MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigQuery(new URLSearchParams('env=A=1&env=__proto__=secret'), MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"env":{"__proto__":"s"}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"limits":{"__proto__":{"memoryMb":1}}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigJson('{"__proto__":{"abi":"wagi"}}', MAX_LIMITS)), 'bad_request');
  assert.is(code(() => parseConfigQuery(new URLSearchParams('__proto__=1'), MAX_LIMITS)), 'bad_request');
  const c = parseConfigJson('{"env":{"constructor":"x","toString":"y"}}', MAX_LIMITS);
  assert.equal(Object.keys(c.env).sort(), ['constructor', 'toString']);
});

config('equal configs have the same canonical text whatever the key order', () => {
  const a = parseConfigJson('{"env":{"B":"2","A":"1"},"limits":{"timeoutMs":5,"memoryMb":8}}', MAX_LIMITS);
  const b = parseConfigJson('{"limits":{"memoryMb":8,"timeoutMs":5},"env":{"A":"1","B":"2"}}', MAX_LIMITS);
  assert.is(canonicalConfig(a), canonicalConfig(b));
});

config.run();
