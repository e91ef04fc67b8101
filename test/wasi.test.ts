// The in-memory WASI preview 1 on its own: every import present and errno-only, memory growth, clocks, poll, limits.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { Wasi, type WasiOptions } from '../host/abi/wasi/preview1.js';
import { PREVIEW1_FUNCTIONS } from '../host/abi/wasi/defs.js';
import { wat } from './helpers/wat.js';

const FIXTURES = new URL('../../test/fixtures/wagi/', import.meta.url);
const dec = new TextDecoder();

interface Started {
  wasi: Wasi;
  memory: WebAssembly.Memory;
  instance: WebAssembly.Instance;
  lines: string[];
}

function setup(bytes: Uint8Array, opts: Partial<WasiOptions> = {}, memory = new WebAssembly.Memory({ initial: 1, maximum: 2 })): Started {
  const lines: string[] = [];
  const wasi = new Wasi({ memory, args: [], env: [], stdin: new Uint8Array(0), stdoutLimitBytes: 1 << 20, onStderrLine: (l) => lines.push(l), ...opts });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
    env: { memory },
    wasi_snapshot_preview1: wasi.imports,
  });
  return { wasi, memory, instance, lines };
}

async function fixture(name: string): Promise<Uint8Array> {
  return wat(await fs.readFile(new URL(`${name}.wat`, FIXTURES), 'utf8'));
}

function start(s: Started) {
  return s.wasi.run(s.instance.exports['_start'] as () => void);
}

const test = suite('wasi');

test('every preview 1 function is importable and answers an errno without throwing', async () => {
  // Each import is called with fd 9 (never open) first and zeros after, results stored at 4096 + 4*i.
  const names = PREVIEW1_FUNCTIONS.filter((n) => n !== 'proc_exit');
  const params = '(param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)';
  const text = `(module
    ${names.map((n) => `(import "wasi_snapshot_preview1" "${n}" (func $${n} ${params}))`).join('\n')}
    (import "env" "memory" (memory 1))
    (func (export "_start")
      ${names.map((n, i) => `(i32.store (i32.const ${4096 + i * 4}) (call $${n} (i32.const 9) ${'(i32.const 0) '.repeat(8)}))`).join('\n')}))`;
  const s = setup(wat(text));
  assert.equal(start(s), { kind: 'exit', code: 0 });
  const view = new DataView(s.memory.buffer);
  names.forEach((name, i) => {
    const errno = view.getUint32(4096 + i * 4, true);
    assert.ok(errno <= 76, `${name} returned ${errno}, not an errno`);
    // path_symlink's fd is its third argument, 0 here: stdin, open but no directory.
    if (name === 'path_symlink') assert.is(errno, 54, 'path_symlink on stdin is ENOTDIR');
    else if (/^(fd_|path_|sock_)/.test(name)) assert.is(errno, 8, `${name} on a closed fd is EBADF`);
  });
});

test('the host sees memory the guest grew after instantiation', async () => {
  const s = setup(await fixture('grow'));
  assert.equal(start(s), { kind: 'exit', code: 0 });
  assert.is(dec.decode(s.wasi.stdout.bytes()), 'written from page two');
  assert.is(s.memory.buffer.byteLength, 2 * 65536);
});

test('poll_oneoff sleeps on a clock subscription and reports its event', async () => {
  const s = setup(await fixture('sleep'));
  const before = process.hrtime.bigint();
  start(s);
  const sleptNs = process.hrtime.bigint() - before;
  const view = new DataView(s.memory.buffer);
  assert.is(view.getUint32(0, true), 0, 'errno');
  assert.is(view.getUint32(4, true), 1, 'one event');
  assert.is(view.getBigUint64(512, true), 42n, 'userdata');
  assert.is(view.getUint16(520, true), 0, 'event error');
  assert.is(view.getUint8(522), 0, 'event type clock');
  assert.ok(sleptNs >= 1_000_000n, 'it really slept');
});

test('stdout past its limit stops the guest with a stdout_overflow outcome', async () => {
  const s = setup(await fixture('cat'), { stdin: new Uint8Array(5000), stdoutLimitBytes: 4096 });
  assert.equal(start(s), { kind: 'stdout_overflow' });
  assert.ok(s.wasi.stdout.length <= 4096);
});

test('proc_exit ends the run with its code', async () => {
  const s = setup(await fixture('exit'), { stdin: new Uint8Array(7) });
  assert.equal(start(s), { kind: 'exit', code: 7 });
});

test('an exit code is unsigned, as WASI defines it', async () => {
  const s = setup(wat(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (import "env" "memory" (memory 1))
    (func (export "_start") (call $exit (i32.const -1))))`));
  assert.equal(start(s), { kind: 'exit', code: 4294967295 });
});

test('stdin is read to its end across calls, then reads return 0', async () => {
  const body = new Uint8Array(9000).map((_, i) => i & 0xff);
  const s = setup(await fixture('cat'), { stdin: body });
  start(s);
  assert.equal([...s.wasi.stdout.bytes()], [...body]);
});

test('a write or read that answers EFAULT has written or consumed nothing', async () => {
  // iovec 0 at 0 is [100, 5), iovec 1 at 8 runs past the end of memory; the good result pointer is 200.
  const text = `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "env" "memory" (memory 1))
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 5))
      (i32.store (i32.const 8) (i32.const 65535)) (i32.store (i32.const 12) (i32.const 5))
      (i32.store (i32.const 300) (call $write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 200)))
      (i32.store (i32.const 304) (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const -1)))
      (i32.store (i32.const 308) (call $read (i32.const 0) (i32.const 0) (i32.const 2) (i32.const 200)))
      (i32.store (i32.const 312) (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const -1)))
      (i32.store (i32.const 316) (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 200)))))`;
  const s = setup(wat(text), { stdin: new TextEncoder().encode('abcdefgh') });
  assert.equal(start(s), { kind: 'exit', code: 0 });
  const v = new DataView(s.memory.buffer);
  assert.equal([300, 304, 308, 312, 316].map((o) => v.getUint32(o, true)), [21, 21, 21, 21, 0]);
  assert.is(s.wasi.stdout.length, 0, 'nothing reached stdout');
  assert.is(v.getUint32(200, true), 5, 'the good read got five bytes');
  assert.is(dec.decode(new Uint8Array(s.memory.buffer, 100, 5)), 'abcde', 'from the start of stdin');
});

test('clocks, random_get and fd_close behave', async () => {
  const text = `(module
    (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "env" "memory" (memory 1))
    (func (export "_start")
      (i32.store (i32.const 0) (call $time (i32.const 0) (i64.const 1) (i32.const 64)))
      (i32.store (i32.const 4) (call $time (i32.const 1) (i64.const 1) (i32.const 72)))
      (i32.store (i32.const 8) (call $time (i32.const 1) (i64.const 1) (i32.const 80)))
      (i32.store (i32.const 12) (call $time (i32.const 99) (i64.const 1) (i32.const 88)))
      (i32.store (i32.const 16) (call $random (i32.const 256) (i32.const 64)))
      (i32.store (i32.const 20) (call $close (i32.const 1)))
      (i32.store (i32.const 24) (call $write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 28)))))`;
  const s = setup(wat(text));
  const beforeNs = BigInt(Date.now()) * 1_000_000n;
  start(s);
  const afterNs = BigInt(Date.now()) * 1_000_000n;
  const v = new DataView(s.memory.buffer);
  assert.equal([0, 4, 8, 12, 16, 20, 24].map((o) => v.getUint32(o, true)), [0, 0, 0, 28, 0, 0, 8]);
  const realtime = v.getBigUint64(64, true);
  assert.ok(realtime >= beforeNs && realtime <= afterNs, 'realtime is the system clock, read during the run');
  assert.ok(v.getBigUint64(80, true) >= v.getBigUint64(72, true), 'monotonic does not go back');
  assert.ok(new Uint8Array(s.memory.buffer, 256, 64).some((b) => b !== 0), 'random bytes were written');
});

test.run();
