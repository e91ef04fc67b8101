// Hostile HTTP clients against a real host on loopback: stalled and oversized uploads, half-sent requests, paths
// that routing and the guest would read differently, forged CGI headers, and a token on the command line.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { withHost, deploy, deployBuilt, errorCode, tempDir, until } from './helpers/host.js';
import { head, rawConnect, rawStart, type RawConnection } from './helpers/raw-http.js';
import { spawnHost, stopHost } from './helpers/process.js';
import { wat } from './helpers/wat.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function errorOf(c: RawConnection): string | undefined {
  const body = c.body();
  return body ? ((JSON.parse(body) as { error?: { code?: string } }).error?.code) : undefined;
}

/** A POST whose head declares `length` bytes, of which only the first `sent` go out. */
function upload(url: string, target: string, length: number, sent: number): Promise<RawConnection> {
  return rawStart(url, head('POST', target, { 'Content-Type': 'application/octet-stream', 'Content-Length': length }), Buffer.alloc(sent, 0x61));
}

const bodies = suite('adversarial http: request bodies');

bodies('stalled uploads past the host-wide body cap are refused with 503 overloaded; small requests are still answered', async () => {
  await withHost({ maxRequestBytes: 1 * MiB, maxModuleBytes: 1 * MiB, maxBufferedBodyBytes: 4 * MiB }, async (h) => {
    await deployBuilt(h, 'echo');
    await deployBuilt(h, 'hello');
    // Each declares a body at the request cap, sends a little of it, and stalls: only four fit under the cap.
    const conns = await Promise.all(Array.from({ length: 10 }, () => upload(h.url, '/fn/echo', 1 * MiB, 64 * KiB)));
    await until(() => conns.filter((c) => c.status() !== null).length === 6, 'six of ten stalled uploads refused');
    const refused = conns.filter((c) => c.status() !== null);
    const stalled = conns.filter((c) => c.status() === null);
    for (const c of refused) {
      await until(() => c.body() !== null && c.closed(), 'refusal answered and connection closed');
      assert.is(c.status(), 503);
      assert.is(errorOf(c), 'overloaded');
      assert.match(c.received(), /\r\nretry-after: 1\r\n/i);
    }
    assert.equal(h.bodies.stats().heldBytes, 4 * MiB, 'only what fits under the cap is held');

    const hello = await fetch(`${h.url}/fn/hello?name=Ada`);
    assert.is(hello.status, 200, 'a request without a body is still served');
    assert.is(await hello.text(), 'Hello, Ada!');
    const small = await fetch(`${h.url}/fn/echo`, { method: 'POST', body: 'x' });
    assert.is(small.status, 503, 'no body fits while the cap is full');
    assert.is(await errorCode(small), 'overloaded');

    // An admitted upload that goes on is served; the bytes of the abandoned ones are given back.
    stalled[0]!.write(Buffer.alloc(1 * MiB - 64 * KiB, 0x61));
    await until(() => stalled[0]!.body() !== null, 'the finished upload is answered', 20_000);
    assert.is(stalled[0]!.status(), 200);
    assert.is((JSON.parse(stalled[0]!.body()!) as { body: string }).body.length, 1 * MiB);
    for (const c of stalled.slice(1)) c.socket.destroy();
    await until(() => h.bodies.stats().heldBytes === 0, 'every body given back');
    const after = await fetch(`${h.url}/fn/echo`, { method: 'POST', body: 'again' });
    assert.is(after.status, 200);
    for (const c of conns) c.socket.destroy();
  });
});

bodies('an upload to a function at its concurrency cap is refused before its body is read', async () => {
  await withHost({ maxConcurrencyPerFunction: 1 }, async (h) => {
    await deployBuilt(h, 'echo');
    const first = await upload(h.url, '/fn/echo', 256 * KiB, 1 * KiB);
    await until(() => h.bodies.stats().heldBytes === 256 * KiB, 'the first upload admitted');
    // The upload in progress holds the function's one place: a plain call is refused while it lasts.
    const plain = await fetch(`${h.url}/fn/echo`);
    assert.is(plain.status, 503);
    assert.is(await errorCode(plain), 'overloaded');
    const second = await upload(h.url, '/fn/echo', 256 * KiB, 1 * KiB);
    await until(() => second.body() !== null, 'the second upload is answered with most of its body unsent');
    assert.is(second.status(), 503);
    assert.is(errorOf(second), 'overloaded');
    assert.match(second.received(), /\r\nconnection: close\r\n/i);
    await until(() => second.closed(), 'the refused connection is closed rather than drained');
    first.write(Buffer.alloc(255 * KiB, 0x61));
    await until(() => first.body() !== null, 'the admitted upload is served once its body is in');
    assert.is(first.status(), 200);
    first.socket.destroy();
    // An upload its client abandons gives its place back.
    const abandoned = await upload(h.url, '/fn/echo', 256 * KiB, 1 * KiB);
    await until(() => h.bodies.stats().heldBytes === 256 * KiB, 'the third upload admitted');
    abandoned.socket.destroy();
    await until(() => h.bodies.stats().heldBytes === 0, 'its bytes given back');
    assert.is((await fetch(`${h.url}/fn/echo`)).status, 200);
  });
});

bodies('a module upload counts against the same cap', async () => {
  await withHost({ maxRequestBytes: 1 * MiB, maxModuleBytes: 1 * MiB, maxBufferedBodyBytes: 2 * MiB }, async (h) => {
    await deployBuilt(h, 'echo');
    const conns = await Promise.all([upload(h.url, '/fn/echo', 1 * MiB, 1 * KiB), upload(h.url, '/fn/echo', 1 * MiB, 1 * KiB)]);
    await until(() => h.bodies.stats().heldBytes === 2 * MiB, 'two uploads fill the cap');
    const res = await deployBuilt(h, 'hello').catch((e: Error) => e);
    assert.instance(res, Error);
    assert.match((res as Error).message, /503 .*overloaded/);
    for (const c of conns) c.socket.destroy();
    await until(() => h.bodies.stats().heldBytes === 0, 'given back');
    await deployBuilt(h, 'hello');
    assert.is(h.bodies.stats().heldBytes, 0, 'a finished deploy gives its bytes back');
  });
});

bodies('an upload is refused before its body is read while the queue is full', async () => {
  await withHost({ workers: 1, maxQueue: 1 }, async (h) => {
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=3000&fuel=1000000000000');
    await deployBuilt(h, 'hello');
    const running = fetch(`${h.url}/fn/loop-forever`);
    const waiting = fetch(`${h.url}/fn/loop-forever`);
    await until(() => h.pool.stats().queued === 1, 'one call runs, one waits: the queue is full');
    const c = await upload(h.url, '/fn/hello', 256 * KiB, 1 * KiB);
    await until(() => c.body() !== null, 'the upload is answered with most of its body unsent');
    assert.is(c.status(), 503);
    assert.is(errorOf(c), 'overloaded');
    c.socket.destroy();
    assert.is((await running).status, 504);
    assert.is((await waiting).status, 504);
  });
});

const timeouts = suite('adversarial http: slow clients');

timeouts('a connection that sends nothing, or never finishes its headers or its body, is closed by the configured timeouts', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  await withHost({ headersTimeoutMs: 300, requestTimeoutMs: 600, logger }, async (h) => {
    await deployBuilt(h, 'echo');
    const silent = await rawConnect(h.url);
    const headers = await rawStart(h.url, 'GET /fn/echo HTTP/1.1\r\nHost: test\r\nX-Slow: ');
    const body = await upload(h.url, '/fn/echo', 1000, 10);
    await until(() => silent.closed(), 'the connection that sent nothing closed', 5000);
    await until(() => headers.closed(), 'the connection with unfinished headers closed', 5000);
    await until(() => body.closed(), 'the connection with an unfinished body closed', 5000);
    await until(() => h.bodies.stats().heldBytes === 0, 'the unfinished body given back');
    assert.is((await fetch(`${h.url}/fn/echo`)).status, 200);
    assert.not.ok(lines.some((l) => l.includes('internal error')), `a client that stalls is no host failure:\n${lines.join('')}`);
  });
});

timeouts('the request timeout ends when the request has arrived: a function may run longer', async () => {
  await withHost({ headersTimeoutMs: 100, requestTimeoutMs: 200 }, async (h) => {
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=1500&fuel=1000000000000');
    const res = await fetch(`${h.url}/fn/loop-forever`, { method: 'POST', body: 'x' });
    assert.is(res.status, 504, 'the function\'s own deadline answers, not the request timeout');
    assert.is(await errorCode(res), 'timeout');
  });
});

const paths = suite('adversarial http: request paths');

paths('a path with dot segments (also percent-encoded) or a "#" is refused, not routed one way and run another', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'echo');
    await deployBuilt(h, 'hello');
    const send = async (target: string): Promise<RawConnection> => {
      const c = await rawConnect(h.url);
      c.write(head('GET', target, { Connection: 'close' }));
      await until(() => c.body() !== null, `an answer to ${target}`);
      return c;
    };
    for (const target of [
      '/fn/hello/../echo/abc', '/fn/hello/%2e%2e/echo/abc', '/fn/hello/.%2E/echo', '/fn/hello/%2E./echo', '/fn/echo/./abc',
      '/fn/echo/%2e/abc', '/fn/echo/abc/..', '/api/../fn/echo/abc', '/fn/../fn/echo', '/fn/hello#/../echo', '/fn/echo/abc#x',
    ]) {
      const c = await send(target);
      assert.is(c.status(), 400, target);
      assert.is(errorOf(c), 'bad_request', target);
    }
    // Dots that are not whole segments, and dot segments in the query, are the guest's business.
    const fine = await send('/fn/echo/.well-known/a..b/...?x=/../y');
    assert.is(fine.status(), 200);
    assert.is((JSON.parse(fine.body()!) as { path: string }).path, '/.well-known/a..b/...');
  });
});

const headers = suite('adversarial http: forged headers');

headers('a WAGI guest never reads a client\'s X_Forwarded_For as the X-Forwarded-For a proxy set', async () => {
  await withHost({}, async (h) => {
    const dump = wat(await fs.readFile(new URL('../../test/fixtures/wagi/dump.wat', import.meta.url), 'utf8'));
    const res = await deploy(h, 'dump', dump, 'abi=wagi');
    assert.is(res.status, 201, await res.text());
    const c = await rawConnect(h.url);
    c.write(head('GET', '/fn/dump', { X_Forwarded_For: '6.6.6.6', 'X-Forwarded-For': '10.0.0.1', 'X-Real_IP': '6.6.6.6', Connection: 'close' }));
    await until(() => c.closed(), 'the dump answered');
    assert.is(c.status(), 200);
    const env = c.received().slice(c.received().indexOf('\r\n\r\n') + 4).split('\n');
    assert.ok(env.includes('HTTP_X_FORWARDED_FOR=10.0.0.1'), env.join('\n'));
    assert.not.ok(env.some((l) => l.includes('6.6.6.6')), env.join('\n'));
  });
});

const token = suite('adversarial http: the admin token');

token('serve --token warns that the token shows in the process list; --token-file does not', async () => {
  const dir = await tempDir();
  try {
    const onArgv = await spawnHost(path.join(dir, 'a'), { WASMFN_TOKEN: '' }, ['--token', 'tok-on-argv', '--no-examples']);
    try {
      const warnings = onArgv.output().split('\n').filter((l) => l.includes('"level":40') && l.includes('--token'));
      assert.is(warnings.length, 1, onArgv.output());
    } finally {
      await stopHost(onArgv);
    }
    const file = path.join(dir, 'token');
    await fs.writeFile(file, 'tok-in-file\n', { mode: 0o600 });
    const fromFile = await spawnHost(path.join(dir, 'b'), { WASMFN_TOKEN: '' }, ['--token-file', file, '--no-examples']);
    try {
      const res = await fetch(`${fromFile.url}/api/functions`, { headers: { authorization: 'Bearer tok-in-file' } });
      assert.is(res.status, 200);
      assert.not.ok(fromFile.output().includes('"level":40'), fromFile.output());
    } finally {
      await stopHost(fromFile);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

bodies.run();
timeouts.run();
paths.run();
headers.run();
token.run();
