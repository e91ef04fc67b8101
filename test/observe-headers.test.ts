// Every invocation response carries x-request-id, Server-Timing and x-wasmfn-fuel, errors included.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deployBuilt, withHost } from './helpers/host.js';

const test = suite('observe headers');

const TIMING = /^queue;dur=\d+\.\d{3}, instantiate;dur=\d+\.\d{3}, run;dur=\d+\.\d{3}$/;

test('a successful invocation has a request id, Server-Timing and the fuel it used', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    const res = await fetch(`${h.url}/fn/hello`);
    assert.is(res.status, 200);
    await res.arrayBuffer();
    assert.ok(res.headers.get('x-request-id'));
    assert.match(res.headers.get('server-timing') ?? '', TIMING);
    assert.ok(Number(res.headers.get('x-wasmfn-fuel')) > 0);
  });
});

test('a trapping invocation has the same headers and no stack in its body', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'abort-message');
    const res = await fetch(`${h.url}/fn/abort-message`);
    assert.is(res.status, 500);
    const body = (await res.json()) as { error: { code: string } };
    assert.is(body.error.code, 'trap');
    assert.not.match(JSON.stringify(body), /wasm:\/\/|wasm-function/);
    assert.ok(res.headers.get('x-request-id'));
    assert.match(res.headers.get('server-timing') ?? '', TIMING);
    assert.ok(res.headers.get('x-wasmfn-fuel') !== null);
  });
});

test('an incoming x-request-id is echoed and used in the log', async () => {
  await withHost({ logLevel: 'debug' }, async (h) => {
    await deployBuilt(h, 'hello');
    const res = await fetch(`${h.url}/fn/hello`, { headers: { 'x-request-id': 'my-id.42' } });
    await res.arrayBuffer();
    assert.is(res.headers.get('x-request-id'), 'my-id.42');
    const line = h.lines().find((l) => l.event === 'invocation');
    assert.is(line?.requestId, 'my-id.42');
  });
});

test('error responses outside invocations carry a request id too', async () => {
  await withHost({}, async (h) => {
    const missing = await fetch(`${h.url}/fn/nope`);
    assert.is(missing.status, 404);
    assert.ok(missing.headers.get('x-request-id'));
    const unauthorized = await fetch(`${h.url}/api/functions/nope/logs`);
    assert.is(unauthorized.status, 401);
    assert.ok(unauthorized.headers.get('x-request-id'));
  });
});

test.run();
