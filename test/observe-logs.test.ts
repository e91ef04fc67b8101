// The invocation log: structured lines per invocation, guest lines tagged with their request id, and the admin logs endpoint.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { admin, deploy, deployBuilt, withHost } from './helpers/host.js';
import { watNamed } from './helpers/wat.js';
import type { LogEntry } from '../host/http/observe-routes.js';

const test = suite('observe logs');

type LogsReply = { function: string; hostId: string; invocations: LogEntry[] };

test('each invocation writes one structured line with every documented field', async () => {
  await withHost({ logLevel: 'debug' }, async (h) => {
    await deployBuilt(h, 'hello');
    const res = await fetch(`${h.url}/fn/hello/x?name=a`, { headers: { 'x-request-id': 'one' } });
    await res.arrayBuffer();
    const lines = h.lines().filter((l) => l.event === 'invocation');
    assert.is(lines.length, 1);
    const l = lines[0]!;
    for (const k of ['time', 'requestId', 'function', 'version', 'method', 'path', 'status', 'code', 'queueMs', 'instantiateMs', 'runMs', 'totalMs', 'fuelUsed', 'peakPages', 'bytesIn', 'bytesOut']) {
      assert.ok(k in l, `missing ${k}`);
    }
    assert.is(l.function, 'hello');
    assert.is(l.path, '/x');
    assert.is(l.status, 200);
    assert.is(l.code, null);
    assert.ok((l.bytesOut as number) > 0);
  });
});

test('guest log lines are logged with their level and the request id', async () => {
  await withHost({ logLevel: 'debug' }, async (h) => {
    await deployBuilt(h, 'log-lines');
    await (await fetch(`${h.url}/fn/log-lines/here`, { headers: { 'x-request-id': 'guest-1' } })).arrayBuffer();
    const guest = h.lines().filter((l) => l.event === 'guest');
    assert.is(guest.length, 4);
    for (const g of guest) assert.is(g.requestId, 'guest-1');
    assert.ok(guest.some((g) => g.msg === 'info line for /here' && g.level === 30));
    assert.ok(guest.some((g) => g.msg === 'error line' && g.level === 50));
  });
});

test('a trap is logged with its wasm stack, and its message and stack reach the logs endpoint', async () => {
  await withHost({ logLevel: 'debug' }, async (h) => {
    await deployBuilt(h, 'abort-message');
    await (await fetch(`${h.url}/fn/abort-message`, { headers: { 'x-request-id': 'trap-1' } })).arrayBuffer();
    const line = h.lines().find((l) => l.event === 'invocation') as { code: string; error: { message: string; trapStack: string[] } };
    assert.is(line.code, 'trap');
    assert.ok(line.error.trapStack.length > 0);

    const res = await admin(h, '/api/functions/abort-message/logs');
    assert.is(res.status, 200);
    const body = (await res.json()) as LogsReply;
    assert.is(body.invocations.length, 1);
    const e = body.invocations[0]!;
    assert.is(e.requestId, 'trap-1');
    assert.is(e.code, 'trap');
    assert.is(e.status, 500);
    assert.ok(JSON.stringify([e.message, e.logs]).includes('something went wrong'));
    assert.ok((e.trapStack ?? []).length > 0);
  });
});

test('trap stacks name the functions when the module has a name section', async () => {
  const bytes = watNamed('(module (memory (export "memory") 1) (func $inner_fn unreachable) (func $outer_fn call $inner_fn) (func (export "handle") call $outer_fn))');
  await withHost({ logLevel: 'debug' }, async (h) => {
    assert.is((await deploy(h, 'named', bytes)).status, 201);
    const res = await fetch(`${h.url}/fn/named`, { headers: { 'x-request-id': 'named-1' } });
    assert.is(res.status, 500);
    assert.not.match(await res.text(), /inner_fn|wasm-function/);
    const line = h.lines().find((l) => l.event === 'invocation') as { error: { trapStack: string[] } };
    assert.match(line.error.trapStack[0] ?? '', /^inner_fn /);
    assert.match(line.error.trapStack[1] ?? '', /^outer_fn /);
    const body = (await (await admin(h, '/api/functions/named/logs')).json()) as LogsReply;
    assert.match(body.invocations[0]!.trapStack?.[0] ?? '', /^inner_fn /);
  });
});

test('the logs endpoint keeps the newest invocations, oldest first, and pages with after', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    for (let i = 0; i < 5; i++) await (await fetch(`${h.url}/fn/hello`, { headers: { 'x-request-id': `r${i}` } })).arrayBuffer();
    const two = (await (await admin(h, '/api/functions/hello/logs?limit=2')).json()) as LogsReply;
    assert.equal(two.invocations.map((e) => e.requestId), ['r3', 'r4']);
    const after = (await (await admin(h, `/api/functions/hello/logs?after=${two.invocations[0]!.seq}`)).json()) as LogsReply;
    assert.equal(after.invocations.map((e) => e.requestId), ['r4']);
  });
});

test('the logs endpoint needs the token, a known function and a sane limit', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    const code = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;
    assert.is(await code(await fetch(`${h.url}/api/functions/hello/logs`)), 'unauthorized');
    assert.is(await code(await admin(h, '/api/functions/nope/logs')), 'function_not_found');
    for (const bad of ['0', '-1', 'x', '1.5', '']) {
      const r = await admin(h, `/api/functions/hello/logs?limit=${bad}`);
      assert.is(r.status, 400);
      assert.is(await code(r), 'bad_request');
    }
    // The admin router under /api still answers its own routes.
    const meta = await admin(h, '/api/functions/hello');
    assert.is(meta.status, 200);
    assert.is(((await meta.json()) as { name: string }).name, 'hello');
  });
});

test('a deleted function has no logs and later requests do not fail', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await (await fetch(`${h.url}/fn/hello`)).arrayBuffer();
    assert.is((await admin(h, '/api/functions/hello', { method: 'DELETE' })).status, 204);
    assert.is((await admin(h, '/api/functions/hello/logs')).status, 404);
    assert.is((await fetch(`${h.url}/fn/hello`)).status, 404);
  });
});

test('a function deleted and deployed again numbers on, so an after cursor still sees its new invocations', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    for (let i = 0; i < 3; i++) await (await fetch(`${h.url}/fn/hello`)).arrayBuffer();
    const before = (await (await admin(h, '/api/functions/hello/logs')).json()) as LogsReply;
    const cursor = before.invocations.at(-1)!.seq;
    assert.is((await admin(h, '/api/functions/hello', { method: 'DELETE' })).status, 204);
    await deployBuilt(h, 'hello');
    await (await fetch(`${h.url}/fn/hello`, { headers: { 'x-request-id': 'again' } })).arrayBuffer();
    const after = (await (await admin(h, `/api/functions/hello/logs?after=${cursor}`)).json()) as LogsReply;
    assert.is(after.hostId, before.hostId);
    assert.equal(after.invocations.map((e) => e.requestId), ['again']);
    assert.ok(after.invocations[0]!.seq > cursor);
  });
});

test('LOG_LEVEL warn keeps failures and drops successful invocations', async () => {
  await withHost({ logLevel: 'warn' }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'abort-message');
    await (await fetch(`${h.url}/fn/hello`)).arrayBuffer();
    await (await fetch(`${h.url}/fn/abort-message`)).arrayBuffer();
    const inv = h.lines().filter((l) => l.event === 'invocation');
    assert.equal(inv.map((l) => l.function), ['abort-message']);
  });
});

test('logs of concurrent requests never appear under another request id', async () => {
  await withHost({ logLevel: 'debug' }, async (h) => {
    await deployBuilt(h, 'log-lines');
    await deployBuilt(h, 'echo');
    const n = 24;
    const calls = Array.from({ length: n }, async (_, i) => {
      const id = `iso-${i}`;
      if (i % 2) {
        const r = await fetch(`${h.url}/fn/echo/p-${i}`, { method: 'POST', body: `body-${i}`, headers: { 'x-request-id': id } });
        const echoed = (await r.json()) as { path: string; body: string; headers: Record<string, string> };
        assert.is(echoed.path, `/p-${i}`);
        assert.is(echoed.body, `body-${i}`);
        assert.is(r.headers.get('x-request-id'), id);
      } else {
        const r = await fetch(`${h.url}/fn/log-lines/p-${i}`, { headers: { 'x-request-id': id } });
        await r.arrayBuffer();
        assert.is(r.headers.get('x-request-id'), id);
      }
    });
    await Promise.all(calls);
    const guest = h.lines().filter((l) => l.event === 'guest' && typeof l.msg === 'string' && (l.msg as string).startsWith('info line for'));
    assert.is(guest.length, n / 2);
    for (const g of guest) assert.is(g.msg, `info line for /p-${(g.requestId as string).slice(4)}`);
    const body = (await (await admin(h, '/api/functions/log-lines/logs')).json()) as LogsReply;
    assert.is(body.invocations.length, n / 2);
    for (const e of body.invocations) {
      assert.is(e.path, `/p-${e.requestId.slice(4)}`);
      assert.ok(e.logs.some((l) => l.line === `info line for ${e.path}`));
      assert.not.ok(e.logs.some((l) => l.line.startsWith('info line for') && l.line !== `info line for ${e.path}`));
    }
  });
});

test.run();
