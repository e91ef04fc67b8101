import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost, deployBuilt, errorCode } from './helpers/host.js';

const invoke = suite('invocation over HTTP');

invoke('hello greets the name from the query string', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    const res = await fetch(`${h.url}/fn/hello?name=Ada`);
    assert.is(res.status, 200);
    assert.is(await res.text(), 'Hello, Ada!');
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  });
});

invoke('echo sees method, path after the name, query, headers and body', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'echo');
    const res = await fetch(`${h.url}/fn/echo/a/b%20c?x=1&y=two`, { method: 'POST', headers: { 'x-custom': 'yes', 'content-type': 'text/plain' }, body: 'payload ✓' });
    assert.is(res.status, 200);
    const e = (await res.json()) as { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: string };
    assert.is(e.method, 'POST');
    assert.is(e.path, '/a/b%20c');
    assert.is(e.query.x, '1');
    assert.is(e.query.y, 'two');
    assert.is(e.headers['x-custom'], 'yes');
    assert.is(e.body, 'payload ✓');
    const root = (await (await fetch(`${h.url}/fn/echo`)).json()) as { path: string; method: string };
    assert.is(root.path, '/');
    assert.is(root.method, 'GET');
  });
});

invoke('json-transform derives JSON from a JSON body and rejects bad JSON', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'json-transform');
    const ok = await fetch(`${h.url}/fn/json-transform`, { method: 'POST', body: JSON.stringify({ items: [{ name: 'a', price: 2, qty: 3 }, { name: 'b', price: 1.5, qty: 2 }] }) });
    assert.is(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /application\/json/);
    const out = (await ok.json()) as Record<string, unknown>;
    assert.ok(Object.keys(out).length > 0);
    const bad = await fetch(`${h.url}/fn/json-transform`, { method: 'POST', body: '{"items": [' });
    assert.is(bad.status, 400);
  });
});

invoke('every request gets a fresh instance: the counter is 1 every time', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deployBuilt(h, 'counter');
    const bodies = await Promise.all(Array.from({ length: 20 }, () => fetch(`${h.url}/fn/counter`).then((r) => r.text())));
    for (const b of bodies) assert.match(b, /^\D*1\D*$/);
  });
});

invoke('fib computes the requested term', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'fib');
    const res = await fetch(`${h.url}/fn/fib?n=20`);
    assert.is(res.status, 200);
    assert.match(await res.text(), /6765/);
  });
});

invoke('the loader form upper-cases the body and turns abort into a trap with its text', async () => {
  await withHost({}, async (h) => {
    const meta = (await (await deployBuilt(h, 'shout')).json()) as { abi: string };
    assert.is(meta.abi, 'loader');
    const res = await fetch(`${h.url}/fn/shout`, { method: 'POST', body: 'hello there' });
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.is(await res.text(), 'HELLO THERE');
    const ab = await fetch(`${h.url}/fn/shout`, { method: 'POST', body: 'abort' });
    assert.is(ab.status, 500);
    const err = ((await ab.json()) as { error: { code: string; message: string } }).error;
    assert.is(err.code, 'trap');
    assert.match(err.message, /abort/);
  });
});

invoke('unknown functions are function_not_found and big bodies payload_too_large', async () => {
  await withHost({ maxRequestBytes: 1024 }, async (h) => {
    await deployBuilt(h, 'echo');
    const missing = await fetch(`${h.url}/fn/nobody`);
    assert.is(missing.status, 404);
    assert.is(await errorCode(missing), 'function_not_found');
    const big = await fetch(`${h.url}/fn/echo`, { method: 'POST', body: 'x'.repeat(4096) });
    assert.is(big.status, 413);
    assert.is(await errorCode(big), 'payload_too_large');
    const fine = await fetch(`${h.url}/fn/echo`, { method: 'POST', body: 'x'.repeat(1000) });
    assert.is(fine.status, 200);
  });
});

invoke('HEAD gets the status and headers a GET would, no body, and the host keeps serving', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'abort-message');
    const head = await fetch(`${h.url}/fn/hello?name=Ada`, { method: 'HEAD' });
    assert.is(head.status, 200);
    assert.match(head.headers.get('content-type') ?? '', /text\/plain/);
    assert.ok(head.headers.get('x-request-id'), 'the host headers are there');
    assert.is(head.headers.get('x-hono-already-sent'), null);
    assert.is(head.headers.get('content-length'), String('Hello, Ada!'.length));
    assert.is(await head.text(), '');
    const failed = await fetch(`${h.url}/fn/abort-message`, { method: 'HEAD' });
    assert.is(failed.status, 500);
    assert.is(await failed.text(), '');
    assert.is((await fetch(`${h.url}/fn/nobody`, { method: 'HEAD' })).status, 404);
    const after = await fetch(`${h.url}/fn/hello?name=after`);
    assert.is(await after.text(), 'Hello, after!');
  });
});

invoke('a response header value HTTP cannot carry is bad_gateway, and the host keeps serving', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'sdk-probe', 'probe');
    for (const value of ['%01', '%0B', '%1F', '%7F', 'a%0Db']) {
      const res = await fetch(`${h.url}/fn/probe/echo-header?value=${value}`);
      assert.is(res.status, 502, value);
      assert.is(await errorCode(res), 'bad_gateway', value);
    }
    const fine = await fetch(`${h.url}/fn/probe/echo-header?value=tab%09and%20space`);
    assert.is(fine.status, 200);
    assert.is(fine.headers.get('x-echo'), 'tab\tand space');
  });
});

invoke('an interim 1xx status from a guest is bad_gateway, not a response that never completes', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'sdk-probe', 'probe');
    for (const code of [100, 101, 103, 199]) {
      const res = await fetch(`${h.url}/fn/probe/status?code=${code}`);
      assert.is(await errorCode(res), 'bad_gateway', String(code));
    }
    assert.is((await fetch(`${h.url}/fn/probe/status?code=200`)).status, 200);
  });
});

invoke.run();
