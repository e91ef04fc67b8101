import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { invokeSdk } from '../host/abi/sdk.js';
import fs from 'node:fs/promises';
import { arrived, callContext, prepared, preparedFunction, text, thrownCode, utf8 } from './helpers/abi-call.js';
import { wat } from './helpers/wat.js';

const sdk = suite('abi sdk');

const header = (headers: [string, string][], name: string): string | undefined => headers.find(([n]) => n === name)?.[1];

sdk('hello greets the name from the query string, and the world by default', async () => {
  const fn = await preparedFunction('hello');
  const named = invokeSdk(callContext(fn, { query: 'name=Ada%20Lovelace' }));
  assert.is(named.status, 200);
  assert.is(text(named.body), 'Hello, Ada Lovelace!');
  assert.is(header(named.headers, 'content-type'), 'text/plain; charset=utf-8');
  assert.is(text(invokeSdk(callContext(fn)).body), 'Hello, world!');
});

sdk('echo returns method, path, query, headers and body as JSON, repeated and non-ASCII values included', async () => {
  const fn = await preparedFunction('echo');
  const res = invokeSdk(callContext(fn, {
    method: 'POST',
    path: '/a/b',
    query: 'x=1&y=%E2%82%AC+sign&flag&x=2',
    headers: [['content-type', 'text/plain'], ['x-name', arrived('Zoë')]],
    body: utf8('héllo "quoted"\n'),
  }));
  assert.is(res.status, 200);
  assert.is(header(res.headers, 'content-type'), 'application/json');
  assert.equal(JSON.parse(text(res.body)), {
    method: 'POST',
    path: '/a/b',
    query: { x: ['1', '2'], y: '€ sign', flag: '' },
    headers: { 'content-type': 'text/plain', 'x-name': 'Zoë' },
    body: 'héllo "quoted"\n',
  });
});

sdk('json-transform totals the items of a JSON body', async () => {
  const fn = await preparedFunction('json-transform');
  const body = utf8(JSON.stringify({ items: [{ name: 'a', price: 2, qty: 3 }, { name: 'b\u00e9\u{1F600}', price: 0.1, qty: 3 }] }));
  const res = invokeSdk(callContext(fn, { method: 'POST', body }));
  assert.is(res.status, 200);
  assert.equal(JSON.parse(text(res.body)), {
    items: [{ name: 'a', qty: 3, subtotal: 6 }, { name: 'b\u00e9\u{1F600}', qty: 3, subtotal: 0.3 }],
    count: 2,
    quantity: 6,
    total: 6.3,
  });
});

sdk('json-transform answers 400 with a JSON error for bad JSON or a wrong shape', async () => {
  const fn = await preparedFunction('json-transform');
  for (const bad of ['{"items":[1,}', '', '{"items": 3}', '[1, 2]']) {
    const res = invokeSdk(callContext(fn, { method: 'POST', body: utf8(bad) }));
    assert.is(res.status, 400, bad);
    assert.type((JSON.parse(text(res.body)) as { error: unknown }).error, 'string');
  }
});

sdk('counter answers 1 on every call: fresh instances over zeroed memory keep no state', async () => {
  const fn = await preparedFunction('counter');
  const memory = new WebAssembly.Memory({ initial: fn.initialPages, maximum: fn.maximumPages });
  for (let i = 0; i < 3; i++) {
    new Uint8Array(memory.buffer).fill(0); // what the memory pool does between calls
    assert.is(text(invokeSdk(callContext(fn, {}, { memory })).body), '1');
  }
});

sdk('an AssemblyScript abort becomes a trap', async () => {
  const fn = await preparedFunction('abort-message');
  assert.is(thrownCode(() => invokeSdk(callContext(fn))), 'trap');
});

sdk('a body over maxResponseBytes is response_too_large; under it, it arrives whole', async () => {
  const fn = await preparedFunction('big-response', 64);
  assert.is(thrownCode(() => invokeSdk(callContext(fn, { query: 'mb=1' }, { maxResponseBytes: 1000 }))), 'response_too_large');
  const res = invokeSdk(callContext(fn, { query: 'mb=1' }, { maxResponseBytes: 2 << 20 }));
  assert.is(res.body.length, 1 << 20);
  assert.ok(res.body.every((b) => b === 0x78));
});

sdk('log lines reach the context log with their levels', async () => {
  const fn = await preparedFunction('log-lines');
  const ctx = callContext(fn, { path: '/p' });
  assert.is(text(invokeSdk(ctx).body), 'ok');
  assert.equal(ctx.logs, [
    { level: 'debug', line: 'debug line' },
    { level: 'info', line: 'info line for /p' },
    { level: 'warn', line: 'warn line' },
    { level: 'error', line: 'error line' },
  ]);
});

sdk('header lookup ignores case and query lookup decodes names and values', async () => {
  const fn = await preparedFunction('sdk-probe');
  const headers: [string, string][] = [['x-request-id', 'abc'], ['accept', 'text/html']];
  const call = (path: string, query: string) => text(invokeSdk(callContext(fn, { path, query, headers })).body);
  assert.is(call('/header', 'name=X-Request-ID'), 'abc');
  assert.is(call('/header', 'name=Accept'), 'text/html');
  assert.is(call('/header', 'name=missing'), '<none>');
  assert.is(call('/query', 'name=a%20b&a+b=c%3Dd&a+b=later'), '[c=d]');
  assert.is(call('/query', 'name=zz&z=1'), '<none>');
});

sdk('the SDK JSON parser round-trips values, escapes included, and rejects invalid text', async () => {
  const fn = await preparedFunction('sdk-probe');
  const value = { s: 'tab\t"q"\\ \u0001 é 😀', n: [0, -1.5, 1e21, 123456789012345680000, 0.1], b: [true, false, null], o: { nested: { deep: [] } } };
  const res = invokeSdk(callContext(fn, { method: 'POST', path: '/json', body: utf8(JSON.stringify(value)) }));
  assert.is(res.status, 200);
  assert.equal(JSON.parse(text(res.body)), value);
  const escaped = invokeSdk(callContext(fn, { method: 'POST', path: '/json', body: utf8('"\\u00e9\\ud83d\\ude00\\/\\n"') }));
  assert.is(JSON.parse(text(escaped.body)), 'é😀/\n');
  for (const bad of ['{', '[1,]', '{"a" 1}', 'tru', '01', '"\u0001"', '1 2', '"\\x"', '[' .repeat(1000)]) {
    const r = invokeSdk(callContext(fn, { method: 'POST', path: '/json', body: utf8(bad) }));
    assert.is(r.status, 400, bad.slice(0, 20));
  }
});

sdk('statuses and headers set by the guest come through; setHeader replaces, addHeader appends', async () => {
  const fn = await preparedFunction('sdk-probe');
  const res = invokeSdk(callContext(fn, { path: '/status', query: 'code=418' }));
  assert.is(res.status, 418);
  assert.equal(res.headers.filter(([n]) => n.toLowerCase() === 'x-probe'), [['X-Probe', 'second']]);
  assert.equal(res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v), ['a=1', 'b=2']);
});

sdk('binary bodies pass through unchanged in both directions', async () => {
  const fn = await preparedFunction('sdk-probe');
  const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const res = invokeSdk(callContext(fn, { method: 'POST', path: '/bytes', body }));
  assert.equal(Array.from(res.body), Array.from(body).reverse());
});

/** A hand-written SDK guest: `body` adds its handle() and data to a module importing memory and the SDK calls. */
async function rawGuest(body: string): Promise<WebAssembly.Module> {
  const bytes = wat(`(module
    (import "env" "memory" (memory 1 2))
    (import "wasmfn" "response_write" (func $write (param i32 i32)))
    (import "wasmfn" "request_read" (func $read (param i32)))
    ${body})`);
  return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
}

const rawCtx = (module: WebAssembly.Module) =>
  callContext({ module, initialPages: 1, maximumPages: 2 });

sdk('a guest that returns without writing a response is bad_gateway', async () => {
  const module = await rawGuest('(func (export "handle"))');
  assert.is(thrownCode(() => invokeSdk(rawCtx(module))), 'bad_gateway');
});

sdk('malformed responses are bad_gateway: bad status, bad bounds, truncation, bad header', async () => {
  const cases = [
    // status 99, no headers, empty body
    `(data (i32.const 1024) "\\63\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00") (func (export "handle") (call $write (i32.const 1024) (i32.const 12)))`,
    // pointer past the end of memory
    `(func (export "handle") (call $write (i32.const 65530) (i32.const 12)))`,
    // negative length, seen as a huge unsigned one
    `(func (export "handle") (call $write (i32.const 1024) (i32.const -1)))`,
    // status 200, claims 1 header, then ends
    `(data (i32.const 1024) "\\c8\\00\\00\\00\\01\\00\\00\\00") (func (export "handle") (call $write (i32.const 1024) (i32.const 8)))`,
    // header name with a space: "a b" = "1"
    `(data (i32.const 1024) "\\c8\\00\\00\\00\\01\\00\\00\\00\\03\\00\\00\\00a b\\01\\00\\00\\001\\00\\00\\00\\00") (func (export "handle") (call $write (i32.const 1024) (i32.const 24)))`,
    // header value with CR LF
    `(data (i32.const 1024) "\\c8\\00\\00\\00\\01\\00\\00\\00\\01\\00\\00\\00a\\02\\00\\00\\00\\0d\\0a\\00\\00\\00\\00") (func (export "handle") (call $write (i32.const 1024) (i32.const 24)))`,
    // body length larger than what follows
    `(data (i32.const 1024) "\\c8\\00\\00\\00\\00\\00\\00\\00\\05\\00\\00\\00ab") (func (export "handle") (call $write (i32.const 1024) (i32.const 14)))`,
  ];
  for (const body of cases) {
    const module = await rawGuest(body);
    assert.is(thrownCode(() => invokeSdk(rawCtx(module))), 'bad_gateway', body);
  }
});

sdk('a guest reading the request past the end of its memory traps instead of hurting the host', async () => {
  const module = await rawGuest('(func (export "handle") (call $read (i32.const 65530)))');
  assert.is(thrownCode(() => invokeSdk({ ...rawCtx(module), request: { ...rawCtx(module).request, body: utf8('0123456789') } })), 'trap');
});

sdk('the minimal WAT guest of the SDK README answers 200 "hi"', async () => {
  const readme = await fs.readFile(new URL('../../functions/sdk/README.md', import.meta.url), 'utf8');
  const source = /```wat\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(source, 'the README has a wat block');
  const res = invokeSdk(callContext(prepared(wat(source))));
  assert.is(res.status, 200);
  assert.equal(res.headers, []);
  assert.is(text(res.body), 'hi');
});

sdk.run();
