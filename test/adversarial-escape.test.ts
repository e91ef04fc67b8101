// A guest's text reaches the operator's terminal: abort messages, name-section names in trap stacks, WAGI output
// quoted in errors, log lines. None of it may carry a raw control character (a terminal sequence, or a line break
// followed by a line in the CLI's own format) into the logs API, the host's JSON log or `wasmfn logs`.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { CLI, tempDir, until } from './helpers/host.js';
import { spawnHost, stopHost, type HostProcess } from './helpers/process.js';
import { wat } from './helpers/wat.js';

const test = suite('adversarial: guest text is escaped before a terminal sees it');

const TOKEN = 'escape-test-token';
/** A line in the format `wasmfn logs` prints an invocation's header in. */
const FORGED = '2030-01-01T00:00:00.000Z  forged-request  GET /admin  200  0.001 ms';
/** Retitles the terminal (OSC 0 ... BEL), clears it (CSI 2J), clears it again by the C1 form of CSI, then forges. */
const HOSTILE = `boom\u001b]0;pwned\u0007\u001b[2J\u009b2J\u2028\n${FORGED}`;
/** Any character that a terminal or a line-splitting reader acts on. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function nameBytes(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return [...leb(b.length), ...b];
}

/** A `name` custom section naming the module and the given functions (by index). */
function nameSection(moduleName: string, fns: [number, string][]): Uint8Array {
  const mod = nameBytes(moduleName);
  const map = [...leb(fns.length), ...fns.flatMap(([i, n]) => [...leb(i), ...nameBytes(n)])];
  const payload = [...nameBytes('name'), 0, ...leb(mod.length), ...mod, 1, ...leb(map.length), ...map];
  return new Uint8Array([0, ...leb(payload.length), ...payload]);
}

function watBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
}

/** An AssemblyScript string as abort() reads it: byte length at ptr - 4, UTF-16LE at ptr. */
function asString(s: string): Uint8Array {
  const text = Buffer.from(s, 'utf16le');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(text.length);
  return new Uint8Array(Buffer.concat([len, text]));
}

/** SDK module: logs a line with C1 and ESC characters, then aborts with HOSTILE from a function whose name forges frames. */
async function abortingModule(): Promise<Uint8Array> {
  const logLine = Buffer.from('guest says \u0085next\u009b2J\u001b[31mred', 'utf8');
  const bytes = wat(`(module
    (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
    (import "wasmfn" "log" (func $log (param i32 i32 i32)))
    (memory (export "memory") 1)
    (data (i32.const 96) "${watBytes(asString(HOSTILE))}")
    (data (i32.const 4096) "${watBytes(logLine)}")
    (func $inner
      (call $log (i32.const 1) (i32.const 4096) (i32.const ${logLine.length}))
      (call $abort (i32.const 100) (i32.const 0) (i32.const 0) (i32.const 0)))
    (func $handle (export "handle") (call $inner)))`);
  const names = nameSection(`mod\u001b]0;title\u0007\n${FORGED}`, [
    [2, `inner\u001b[2J\n    at forged_frame (wasm://wasm/0:wasm-function[9]:0x1)\u009b`],
    [3, `handle\u0085\n${FORGED}`],
  ]);
  return new Uint8Array([...bytes, ...names]);
}

/** WAGI module whose stdout starts with a line that is no header, holding C1 and ESC characters. */
async function wagiModule(): Promise<Uint8Array> {
  const out = Buffer.from(`\x9b2J\x1b]0;t\x07 not a header\n${FORGED}\n\n`, 'latin1');
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "\\10\\00\\00\\00${watBytes(new Uint8Array([out.length, 0, 0, 0]))}")
    (data (i32.const 16) "${watBytes(out)}")
    (func (export "_start") (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
}

async function put(host: HostProcess, name: string, bytes: Uint8Array): Promise<void> {
  const res = await fetch(`${host.url}/api/functions/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/wasm' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  assert.ok(res.status === 201, `deploy of ${name}: ${res.status} ${await res.text()}`);
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, WASMFN_TOKEN: TOKEN } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** No line of `text` is the forged one, and nothing but line feeds is a control character. */
function assertTerminalSafe(text: string, what: string): void {
  assert.not.ok(CONTROL_BUT_NEWLINE.test(text), `${what} holds a raw control character: ${JSON.stringify(text)}`);
  assert.not.ok(text.split('\n').some((l) => l.trimStart().startsWith(FORGED.slice(0, 24))), `${what} holds a forged line: ${text}`);
}

/** Every string inside a parsed JSON value is free of control characters. */
function assertNoControlInStrings(v: unknown, what: string): void {
  const strings: string[] = [];
  JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'string') strings.push(x);
    return x;
  });
  for (const s of strings) assert.not.ok(CONTROL.test(s), `${what}: ${JSON.stringify(s)}`);
}

interface Ctx { dir: string; host: HostProcess; evil: Response; evilCgi: Response; output: string }
const ctx = {} as Ctx;

test.before(async () => {
  ctx.dir = await tempDir();
  ctx.host = await spawnHost(ctx.dir, { WASMFN_TOKEN: TOKEN }, ['--no-examples']);
  await put(ctx.host, 'evil', await abortingModule());
  await put(ctx.host, 'evil-cgi', await wagiModule());
  ctx.evil = await fetch(`${ctx.host.url}/fn/evil`, { headers: { 'x-request-id': 'evil-1' } });
  ctx.evilCgi = await fetch(`${ctx.host.url}/fn/evil-cgi`, { headers: { 'x-request-id': 'evil-2' } });
});

test.after(async () => {
  await stopHost(ctx.host);
  await fs.rm(ctx.dir, { recursive: true, force: true });
});

test('error bodies show the guest\'s text escaped', async () => {
  assert.is(ctx.evil.status, 500);
  const body = await ctx.evil.text();
  assert.not.ok(CONTROL.test(body), `error body: ${body}`);
  assertNoControlInStrings(JSON.parse(body), 'error body');
  assert.match((JSON.parse(body) as { error: { message: string } }).error.message, /boom\\u001b\]0;pwned\\u0007/);
  assert.is(ctx.evilCgi.status, 502);
  const cgiBody = await ctx.evilCgi.text();
  assert.not.ok(CONTROL.test(cgiBody), `WAGI error body: ${cgiBody}`);
  assertNoControlInStrings(JSON.parse(cgiBody), 'WAGI error body');
});

test('the logs API holds no control character in messages, frames or guest lines', async () => {
  for (const name of ['evil', 'evil-cgi']) {
    const logs = await fetch(`${ctx.host.url}/api/functions/${name}/logs`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const page = (await logs.json()) as { invocations: { message?: string; trapStack?: string[]; logs: { line: string }[] }[] };
    assert.is(page.invocations.length, 1);
    assertNoControlInStrings(page, `logs API of ${name}`);
    if (name === 'evil') {
      const entry = page.invocations[0]!;
      // The frame named with a line break is one frame, not two.
      assert.is(entry.trapStack!.filter((f) => f.includes('forged_frame')).length, 1, JSON.stringify(entry.trapStack));
      assert.ok(entry.trapStack!.every((f) => f.includes('wasm-function[')), JSON.stringify(entry.trapStack));
      assert.match(entry.logs[0]!.line, /guest says \\u0085next/);
    }
  }
});

test('`wasmfn logs` and `wasmfn invoke` print no terminal sequence and no forged entry', async () => {
  for (const name of ['evil', 'evil-cgi']) {
    const out = await cli(['logs', name, '--url', ctx.host.url]);
    assert.is(out.code, 0, out.stderr);
    assertTerminalSafe(out.stdout, `wasmfn logs ${name}`);
    assert.is(out.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT/.test(l)).length, 1, out.stdout);
    const json = await cli(['logs', name, '--json', '--url', ctx.host.url]);
    assertTerminalSafe(json.stdout, `wasmfn logs ${name} --json`);
    assertNoControlInStrings(JSON.parse(json.stdout.trim()), `wasmfn logs ${name} --json`);
  }
  const invoked = await cli(['invoke', 'evil', '--url', ctx.host.url]);
  assert.is(invoked.code, 1);
  assertTerminalSafe(invoked.stderr, 'wasmfn invoke (error)');
});

test('the host\'s JSON log lines on stdout escape C1 controls and line separators too', async () => {
  // The lines reach stdout within the log's batching delay; waited for, not slept on.
  const mine = () => ctx.host.output().split('\n').filter((l) => /evil|pwned|forged|guest says/.test(l));
  await until(() => mine().some((l) => l.includes('"event":"invocation"') && l.includes('evil-cgi')) && mine().some((l) => l.includes('"event":"guest"')),
    'the invocation and guest lines on stdout');
  const lines = mine();
  assert.ok(lines.some((l) => l.includes('"event":"invocation"') && l.includes('"function":"evil"')), ctx.host.output());
  for (const l of lines) {
    assert.not.ok(CONTROL.test(l), `host log line: ${JSON.stringify(l)}`);
    assert.ok(l.startsWith('{'), `host log line that is no JSON record: ${l}`);
    assertNoControlInStrings(JSON.parse(l), 'host log line');
  }
});

test.run();
