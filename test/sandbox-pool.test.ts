// The worker pool through real HTTP: the shared-memory slots and their overflow to the port, jobs moved off a
// worker stuck in a long job, workers that fell asleep, bursts, and what a call carries in and out.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost, deployBuilt, errorCode, auth, until } from './helpers/host.js';
import { sharedNow } from '../host/invocation/clock.js';

const pool = suite('sandbox pool');

pool('a request and a response bigger than a slot travel over the port, intact', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'echo');
    const body = 'ü'.repeat(100_000) + 'end'; // ~200 KB of UTF-8: over the 64 KiB request and response areas
    const res = await fetch(`${h.url}/fn/echo/big`, { method: 'POST', body });
    assert.is(res.status, 200);
    const e = (await res.json()) as { body: string; path: string };
    assert.is(e.path, '/big');
    assert.is(e.body, body);
  });
});

pool('requests queued behind a long job move to another worker instead of waiting for it', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=3000&fuel=1000000000000');
    const finished: string[] = [];
    const runaway = fetch(`${h.url}/fn/loop-forever`).then(async (r) => {
      finished.push('runaway');
      return errorCode(r);
    });
    const quick = Array.from({ length: 8 }, (_, i) => fetch(`${h.url}/fn/hello?name=q${i}`).then(async (r) => {
      finished.push(`q${i}`);
      return [r.status, await r.text()] as const;
    }));
    const answers = await Promise.all(quick);
    answers.forEach(([status, text], i) => {
      assert.is(status, 200);
      assert.is(text, `Hello, q${i}!`);
    });
    assert.not.ok(finished.includes('runaway'), 'every quick request was answered while the long one still ran');
    assert.is(await runaway, 'timeout');
  });
});

pool('a job placed behind a long one before it started still moves to the idle worker', async () => {
  await withHost({ workers: 2 }, async (h) => {
    // hello's own deadline is far off, so no deadline check comes along before the long job's end by chance.
    await deployBuilt(h, 'hello', 'hello', 'timeoutMs=30000');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=1000&fuel=1000000000000');
    await h.pool.ready();
    const input = (query: string) => ({ method: 'GET', path: '/', query, rawHeaders: [], body: new Uint8Array(0), remoteAddr: '', requestId: query, receivedAt: sharedNow() });
    const finished: string[] = [];
    // One synchronous block: both workers are asleep, so the long job has not started when `b` is placed behind
    // it (the tie between the two workers goes to the first). Its start time is not known yet at that moment.
    const long = h.pool.invoke(h.registry.require('loop-forever'), input('long')).then((o) => (finished.push('long'), o));
    const a = h.pool.invoke(h.registry.require('hello'), input('name=a')).then((o) => (finished.push('a'), o));
    const b = h.pool.invoke(h.registry.require('hello'), input('name=b')).then((o) => (finished.push('b'), o));
    const [oa, ob] = await Promise.all([a, b]);
    assert.ok(oa.ok && ob.ok);
    assert.is(Buffer.from(ob.ok ? ob.body : []).toString(), 'Hello, b!');
    assert.not.ok(finished.includes('long'), 'b did not wait for the long job to end');
    const ol = await long;
    assert.is(ol.ok ? 'ok' : ol.error.code, 'timeout');
  });
});

pool('a function deleted while a call of it waits leaves nothing of it in the workers once that call ends', async () => {
  // About calls waiting in the workers: hello must not be answered on the HTTP thread instead.
  await withHost({ workers: 1, inlineFuel: 0 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=500&fuel=1000000000000');
    const runaway = fetch(`${h.url}/fn/loop-forever`);
    await until(() => h.pool.stats().inflight > 0, 'the runaway in flight');
    const waiting = fetch(`${h.url}/fn/hello?name=last`);
    await until(() => h.pool.stats().inflight + h.pool.stats().queued >= 2, 'the hello call waiting behind it');
    const del = await fetch(`${h.url}/api/functions/hello`, { method: 'DELETE', headers: auth(h) });
    assert.is(del.status, 204);
    const answer = await waiting;
    assert.is(await answer.text(), 'Hello, last!', 'an accepted call still runs');
    assert.is(await errorCode(await runaway), 'timeout');
    // Only loop-forever's module is left; hello's was posted again for the waiting call and then forgotten.
    assert.is(h.pool.stats().modules, 1);
  });
});

pool('the recycled runtime globals start every request afresh: same input, same fuel; a failed grow does not carry over', async () => {
  await withHost({ workers: 1 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'grow-memory', 'grow-memory', 'memoryMb=8');
    const fuel = async () => {
      const res = await fetch(`${h.url}/fn/hello?name=same`);
      await res.text();
      return res.headers.get('x-wasmfn-fuel');
    };
    const first = await fuel();
    assert.ok(Number(first) > 0);
    assert.is(await errorCode(await fetch(`${h.url}/fn/grow-memory`)), 'memory_limit');
    assert.is(await fuel(), first);
    assert.is(await fuel(), first);
  });
});

pool('a worker that went to sleep between requests wakes for the next one', async () => {
  await withHost({ workers: 1 }, async (h) => {
    await deployBuilt(h, 'hello');
    for (const pauseMs of [0, 5, 30, 120]) {
      // The pause is what is tested, not a wait for a state: each next request meets the worker at another point of
      // going to sleep (still finishing the last job, about to wait, long asleep), and each must wake it.
      await new Promise((r) => setTimeout(r, pauseMs));
      const res = await fetch(`${h.url}/fn/hello?name=p${pauseMs}`);
      assert.is(await res.text(), `Hello, p${pauseMs}!`);
    }
  });
});

pool('a burst larger than every slot is answered in full and leaves nothing in flight', async () => {
  await withHost({ workers: 1, maxConcurrencyPerFunction: 200 }, async (h) => {
    await deployBuilt(h, 'hello');
    const texts = await Promise.all(Array.from({ length: 150 }, (_, i) => fetch(`${h.url}/fn/hello?name=b${i}`).then((r) => r.text())));
    texts.forEach((t, i) => assert.is(t, `Hello, b${i}!`));
    const s = h.pool.stats();
    assert.is(s.inflight, 0);
    assert.is(s.queued, 0);
  });
});

pool('a call reaches the pool with its request id, path, query and body; a trap comes back with its timings', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'echo');
    await deployBuilt(h, 'abort-message');
    const res = await fetch(`${h.url}/fn/echo/x?y=1`, { method: 'POST', body: 'hi', headers: { 'x-request-id': 'abc-1' } });
    assert.is(res.status, 200);
    assert.is(res.headers.get('x-request-id'), 'abc-1');
    const e = (await res.json()) as { path: string; body: string; query: Record<string, string> };
    assert.is(e.path, '/x');
    assert.is(e.body, 'hi');
    assert.is(e.query.y, '1');
    const bad = await fetch(`${h.url}/fn/abort-message`);
    assert.is(bad.status, 500);
    assert.is(await errorCode(bad), 'trap');
    assert.ok(bad.headers.get('server-timing'));
    assert.is(await errorCode(await fetch(`${h.url}/fn/nobody`)), 'function_not_found');
  });
});

pool.run();
