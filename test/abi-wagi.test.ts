// The WAGI ABI end to end on one thread: CGI request mapping, CGI response rules, exits, traps and limits.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { invokeWagi } from '../host/abi/wagi.js';
import type { GuestRequest, GuestResponse, LogLevel } from '../host/abi/types.js';
import { requestSource } from '../host/sandbox/job-codec.js';
import { RUNTIME_MODULE, runtimeNamespace } from '../host/wasm/fuel-contract.js';
import { WasmfnError, type ErrorCode } from '../host/errors.js';
import { prepareModule } from '../host/wasm/prepare.js';
import { wat } from './helpers/wat.js';
import { withHost, deploy, deployBuilt, errorCode } from './helpers/host.js';
import { guestRequest } from './helpers/abi-call.js';

const FIXTURES = new URL('../../test/fixtures/wagi/', import.meta.url);
const BUILT = (name: string) => fileURLToPath(new URL(`../functions/${name}.wasm`, import.meta.url));
const enc = new TextEncoder();
const dec = new TextDecoder();

const modules = new Map<string, WebAssembly.Module>();
async function fixture(name: string): Promise<WebAssembly.Module> {
  let m = modules.get(name);
  if (!m) {
    const bytes = wat(await fs.readFile(new URL(`${name}.wat`, FIXTURES), 'utf8'));
    modules.set(name, (m = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)));
  }
  return m;
}

function request(over: Partial<GuestRequest> = {}): GuestRequest {
  return guestRequest({
    fn: { name: 'fixture', version: 'v1', env: {} },
    server: {
      host: 'localhost', port: 8080, protocol: 'HTTP/1.1', remoteAddr: '127.0.0.1',
      fullUrl: 'http://localhost:8080/fn/fixture/', matchedRoute: '/fn/fixture',
    },
    ...over,
  });
}

interface Run {
  logs: [LogLevel, string][];
  instantiated: boolean;
}

function invoke(module: WebAssembly.Module, req: GuestRequest, opts: { maxResponseBytes?: number; run?: Run } = {}): GuestResponse {
  const run = opts.run ?? { logs: [], instantiated: false };
  return invokeWagi({
    module,
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
    runtimeImports: {},
    request: requestSource(req),
    maxResponseBytes: opts.maxResponseBytes ?? 1024 * 1024,
    log: (level, line) => run.logs.push([level, line]),
    markInstantiated: () => { run.instantiated = true; },
  });
}

/** The cat fixture echoes the body, so `stdout` is exactly what the guest prints. */
async function respond(stdout: string | Uint8Array, maxResponseBytes?: number): Promise<GuestResponse> {
  const body = typeof stdout === 'string' ? enc.encode(stdout) : stdout;
  return invoke(await fixture('cat'), request({ method: 'POST', body }), { maxResponseBytes });
}

function throwsCode(fn: () => unknown, code: ErrorCode): WasmfnError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, WasmfnError);
    assert.is((e as WasmfnError).code, code);
    return e as WasmfnError;
  }
  assert.unreachable(`expected WasmfnError ${code}`);
  throw new Error('unreachable');
}

async function rejectsCode(p: () => Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await p();
  } catch (e) {
    assert.instance(e, WasmfnError);
    assert.is((e as WasmfnError).code, code);
    return;
  }
  assert.unreachable(`expected WasmfnError ${code}`);
}

function header(res: GuestResponse, name: string): string | undefined {
  return res.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

const cgi = suite('abi-wagi: CGI response');

cgi('a Content-Type and a blank line give 200 with that header and the rest as body', async () => {
  const res = await respond('Content-Type: text/plain\nX-Extra: yes\n\nhello\nworld');
  assert.is(res.status, 200);
  assert.is(header(res, 'content-type'), 'text/plain');
  assert.is(header(res, 'x-extra'), 'yes');
  assert.is(dec.decode(res.body), 'hello\nworld');
});

cgi('CRLF line endings are accepted', async () => {
  const res = await respond('Content-Type: text/html\r\nX-A: 1\r\n\r\n<p>hi</p>');
  assert.is(res.status, 200);
  assert.is(header(res, 'content-type'), 'text/html');
  assert.is(header(res, 'x-a'), '1');
  assert.is(dec.decode(res.body), '<p>hi</p>');
});

cgi('a Status line sets the status and is not passed on as a header', async () => {
  const res = await respond('Status: 201 Created\nContent-Type: application/json\n\n{}');
  assert.is(res.status, 201);
  assert.is(header(res, 'status'), undefined);
  assert.is(dec.decode(res.body), '{}');
});

cgi('a bare status code is accepted too', async () => {
  assert.is((await respond('Status: 404\nContent-Type: text/plain\n\nnope')).status, 404);
});

cgi('an invalid status is a bad gateway', async () => {
  await rejectsCode(() => respond('Status: 99 Odd\nContent-Type: text/plain\n\n'), 'bad_gateway');
  await rejectsCode(() => respond('Status: teapot\nContent-Type: text/plain\n\n'), 'bad_gateway');
});

cgi('a Location without a Status is a 302 redirect and needs no Content-Type', async () => {
  const res = await respond('Location: https://example.com/next\n\n');
  assert.is(res.status, 302);
  assert.is(header(res, 'location'), 'https://example.com/next');
});

cgi('a Location with a Status keeps that status', async () => {
  const res = await respond('Status: 301 Moved Permanently\nLocation: /elsewhere\n\n');
  assert.is(res.status, 301);
  assert.is(header(res, 'location'), '/elsewhere');
});

cgi('a missing Content-Type is a bad gateway', async () => {
  await rejectsCode(() => respond('X-Only: this\n\nbody'), 'bad_gateway');
});

cgi('a 204 needs no Content-Type', async () => {
  assert.is((await respond('Status: 204 No Content\n\n')).status, 204);
});

cgi('output with no header block at all is a bad gateway', async () => {
  await rejectsCode(() => respond('hello world, no headers here\n'), 'bad_gateway');
  await rejectsCode(() => respond('Content-Type: text/plain\nbody without the blank line'), 'bad_gateway');
});

cgi('empty stdout is a bad gateway', async () => {
  await rejectsCode(() => respond(''), 'bad_gateway');
});

cgi('framing headers from the guest are dropped', async () => {
  const res = await respond('Content-Type: text/plain\nContent-Length: 999\nTransfer-Encoding: chunked\n\nabc');
  assert.is(header(res, 'content-length'), undefined);
  assert.is(header(res, 'transfer-encoding'), undefined);
  assert.is(dec.decode(res.body), 'abc');
});

cgi('a body over maxResponseBytes is response_too_large', async () => {
  await rejectsCode(() => respond(`Content-Type: text/plain\n\n${'x'.repeat(101)}`, 100), 'response_too_large');
  const ok = await respond(`Content-Type: text/plain\n\n${'x'.repeat(100)}`, 100);
  assert.is(ok.body.length, 100);
});

cgi('stdout far past the limit stops the guest with response_too_large', async () => {
  // 100 bytes of body allowed plus 64 KiB for headers; the cat guest is stopped mid-copy.
  const big = new Uint8Array(200 * 1024).fill(120);
  await rejectsCode(() => respond(big, 100), 'response_too_large');
});

cgi.run();

const life = suite('abi-wagi: exit, trap, log');

life('proc_exit(0) ends the request normally', async () => {
  const run: Run = { logs: [], instantiated: false };
  const res = invoke(await fixture('exit'), request(), { run });
  assert.is(res.status, 200);
  assert.is(dec.decode(res.body), 'partial output\n');
  assert.ok(run.instantiated);
});

life('proc_exit inside a start function, during instantiation, ends the request like any exit', async () => {
  const res = invoke(await fixture('start-exit'), request());
  assert.is(res.status, 200);
  assert.is(dec.decode(res.body), 'from start\n');
});

life('a non-zero exit is nonzero_exit and the stdout is not served', async () => {
  const m = await fixture('exit');
  const err = throwsCode(() => invoke(m, request({ method: 'POST', body: enc.encode('abc') })), 'nonzero_exit');
  assert.match(err.message, /3/);
});

life('a trap propagates as a RuntimeError for the sandbox to classify, never as a response', async () => {
  const m = await fixture('trap');
  try {
    invoke(m, request());
    assert.unreachable('expected a trap');
  } catch (e) {
    assert.instance(e, WebAssembly.RuntimeError);
  }
});

life('stderr lines become log lines, CR and split writes included', async () => {
  const run: Run = { logs: [], instantiated: false };
  const res = invoke(await fixture('stderr'), request(), { run });
  assert.is(dec.decode(res.body), 'ok');
  assert.equal(run.logs, [['info', 'line one'], ['info', 'line two'], ['info', 'line three']]);
});

life('a refused WASI call answers an errno instead of failing the guest', async () => {
  const res = invoke(await fixture('errno'), request());
  // path_open EBADF, fd_prestat_get EBADF, sock_accept ENOTSOCK, proc_raise ENOSYS, fd_seek ESPIPE,
  // fd_write on a bad pointer EFAULT, fd_read on stdout EBADF, poll_oneoff with no subscriptions EINVAL
  assert.equal([...res.body], [8, 8, 57, 52, 70, 21, 8, 28]);
});

life.run();

const req = suite('abi-wagi: CGI request');

function dumped(res: GuestResponse): { env: Map<string, string>; args: string[] } {
  const [envText, argsText] = dec.decode(res.body).split('--\n') as [string, string];
  const env = new Map<string, string>();
  for (const line of envText.split('\n').filter(Boolean)) {
    const eq = line.indexOf('=');
    env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return { env, args: argsText.split('\n').filter(Boolean) };
}

req('the guest sees the CGI variables, headers as HTTP_*, and the function env', async () => {
  const res = invoke(await fixture('dump'), request({
    method: 'POST',
    path: '/a/b',
    query: 'x=1&y=2',
    headers: [['content-type', 'text/csv'], ['x-custom-thing', 'v1'], ['accept', 'a'], ['accept', 'b'], ['proxy', 'http://evil']],
    body: enc.encode('12345'),
    fn: { name: 'fixture', version: 'v1', env: { GREETING: 'hi', REQUEST_METHOD: 'config cannot override this' } },
  }));
  const { env } = dumped(res);
  const expected: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: 'POST',
    PATH_INFO: '/a/b',
    QUERY_STRING: 'x=1&y=2',
    CONTENT_TYPE: 'text/csv',
    CONTENT_LENGTH: '5',
    SERVER_NAME: 'localhost',
    SERVER_PORT: '8080',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REMOTE_ADDR: '127.0.0.1',
    SCRIPT_NAME: '/fn/fixture',
    X_FULL_URL: 'http://localhost:8080/fn/fixture/',
    X_MATCHED_ROUTE: '/fn/fixture',
    HTTP_X_CUSTOM_THING: 'v1',
    HTTP_ACCEPT: 'a, b',
    GREETING: 'hi',
  };
  for (const [k, v] of Object.entries(expected)) assert.is(env.get(k), v, k);
  assert.not.ok(env.has('HTTP_PROXY'), 'a Proxy header must not become HTTP_PROXY');
});

req('argv is the function name then the raw query split on &', async () => {
  const res = invoke(await fixture('dump'), request({ query: 'name=Ada&flag&q=x%20y', fn: { name: 'greeter', version: 'v1', env: {} } }));
  assert.equal(dumped(res).args, ['greeter', 'name=Ada', 'flag', 'q=x%20y']);
  const none = invoke(await fixture('dump'), request());
  assert.equal(dumped(none).args, ['fixture']);
});

req('non-ASCII values reach the guest as UTF-8', async () => {
  const res = invoke(await fixture('dump'), request({ fn: { name: 'fixture', version: 'v1', env: { NAME: 'Jürgen ✓' } } }));
  assert.is(dumped(res).env.get('NAME'), 'Jürgen ✓');
});

req('the body arrives on stdin', async () => {
  const body = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
  const head = enc.encode('Content-Type: application/octet-stream\n\n');
  const stdout = new Uint8Array(head.length + body.length);
  stdout.set(head);
  stdout.set(body, head.length);
  const res = await respond(stdout);
  assert.equal([...res.body], [...body]);
});

req.run();

/**
 * Whether a toolchain-built example exists. Missing is a loud failure under CI (which installs the toolchains)
 * and a printed skip elsewhere, so the suite runs on a machine without clang or rustc.
 */
function built(name: string, toolchain: string): boolean {
  if (existsSync(BUILT(name))) return true;
  const why = `dist/functions/${name}.wasm is missing (${toolchain} not installed?); see functions/build-native.mjs`;
  if (process.env['CI']) assert.unreachable(why);
  console.log(`skipped: ${why}`);
  return false;
}

const c = suite('abi-wagi: the C example');

c('hello-c, built by clang and rewritten by prepareModule, greets through WAGI', async () => {
  if (!built('hello-c', 'clang for wasm32-wasi')) return;
  const prepared = prepareModule(new Uint8Array(await fs.readFile(BUILT('hello-c'))), { memoryMb: 16, fuel: true, maxTableElements: 100_000 });
  assert.is(prepared.abi, 'wagi');
  const module = new WebAssembly.Module(prepared.bytes as Uint8Array<ArrayBuffer>);
  const shape = prepared.memory!;
  let instance: WebAssembly.Instance | null = null;
  const res = invokeWagi({
    module,
    memory: new WebAssembly.Memory({ initial: shape.initialPages, maximum: shape.maximumPages }),
    runtimeImports: { [RUNTIME_MODULE]: runtimeNamespace(100_000_000n) },
    request: requestSource(request({ method: 'GET', path: '/x', query: 'name=Ada' })),
    maxResponseBytes: 1024 * 1024,
    log: () => {},
    markInstantiated: (i) => { instance = i; },
  });
  assert.is(res.status, 200);
  assert.match(header(res, 'content-type') ?? '', /^text\/plain/);
  assert.is(dec.decode(res.body), 'Hello, Ada! (from C: GET /x)\n');
  const left = (instance!.exports['__wasmfn_fuel'] as WebAssembly.Global).value as bigint;
  assert.ok(left > 0n && left < 100_000_000n, 'the C module was metered');
});

c.run();

const http = suite('abi-wagi: over HTTP');

http('the C examples answer over HTTP: greeting, 201 echo, and a non-zero exit', async () => {
  if (!built('hello-c', 'clang for wasm32-wasi') || !built('echo-c', 'clang for wasm32-wasi')) return;
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello-c');
    await deployBuilt(h, 'echo-c');
    const hello = await fetch(`${h.url}/fn/hello-c/some/path?name=Ada`);
    assert.is(hello.status, 200);
    assert.is(await hello.text(), 'Hello, Ada! (from C: GET /some/path)\n');

    const echo = await fetch(`${h.url}/fn/echo-c`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b\n1,2\n' });
    assert.is(echo.status, 201);
    assert.is(echo.headers.get('content-type'), 'text/csv');
    assert.is(echo.headers.get('x-echo-length'), '8');
    assert.is(await echo.text(), 'a,b\n1,2\n');

    const fail = await fetch(`${h.url}/fn/echo-c`, { method: 'POST', body: 'fail' });
    assert.is(fail.status, 500);
    assert.is(await errorCode(fail), 'nonzero_exit');
  });
});

http('the Rust example answers over HTTP', async () => {
  if (!built('hello-rust', 'rustc with the wasm32-wasi standard library')) return;
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello-rust');
    const res = await fetch(`${h.url}/fn/hello-rust?name=Ferris`, { method: 'POST', body: 'four' });
    assert.is(res.status, 200);
    assert.is(await res.text(), 'Hello, Ferris! (from Rust: POST, 4 body bytes)\n');
  });
});

http('a guest sleeping in poll_oneoff is ended by the wall-clock timeout and the host keeps serving', async () => {
  const bytes = wat(await fs.readFile(new URL('sleep-forever.wat', FIXTURES), 'utf8'));
  await withHost({}, async (h) => {
    const dep = await deploy(h, 'sleeper', bytes, 'timeoutMs=200');
    assert.ok(dep.status === 201 || dep.status === 200, `deploy: ${dep.status}`);
    const slept = await fetch(`${h.url}/fn/sleeper`);
    assert.is(slept.status, 504);
    assert.is(await errorCode(slept), 'timeout');
    const cat = await deploy(h, 'cat', wat(await fs.readFile(new URL('cat.wat', FIXTURES), 'utf8')));
    assert.ok(cat.status === 201 || cat.status === 200);
    const after = await fetch(`${h.url}/fn/cat`, { method: 'POST', body: 'Content-Type: text/plain\n\nstill here' });
    assert.is(after.status, 200);
    assert.is(await after.text(), 'still here');
  });
});

http.run();
