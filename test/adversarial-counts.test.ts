// Hostile guests that hand the host huge counts (iovecs, poll subscriptions, response headers, log lines), each
// against a real host in a child process: the guest gets an errno or the call a typed error, and the host keeps
// serving.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wat } from './helpers/wat.js';
import { withChildHost } from './helpers/child-host.js';

const test = suite('adversarial counts');

const HEAD = 'Content-Type: text/plain\\n\\nerrno=';
const HEAD_BYTES = 'Content-Type: text/plain\n\nerrno='.length;
const EINVAL = 28;

/**
 * A WAGI guest that runs `body` (which sets $errno from one WASI call) and answers "errno=NN". Its memory starts at
 * one page and grows to `pages`: a memory that grew is not pooled, so it is never zeroed (touched) by the host.
 */
function errnoGuest(imports: string, body: string, pages = 1): Uint8Array {
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    ${imports}
    (memory (export "memory") 1)
    (data (i32.const 1024) "${HEAD}")
    (func (export "_start") (local $errno i32) (local $i i32)
      (if (i32.gt_u (i32.const ${pages}) (i32.const 1))
        (then (if (i32.lt_s (memory.grow (i32.const ${pages - 1})) (i32.const 0)) (then unreachable))))
      ${body}
      (i32.store8 (i32.const ${1024 + HEAD_BYTES}) (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
      (i32.store8 (i32.const ${1025 + HEAD_BYTES}) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
      (i32.store (i32.const 1000) (i32.const 1024))
      (i32.store (i32.const 1004) (i32.const ${HEAD_BYTES + 2}))
      (drop (call $fd_write (i32.const 1) (i32.const 1000) (i32.const 1) (i32.const 992)))))`);
}

test('fd_write with 33,000,000 iovecs under memoryMb=256 answers EINVAL and the host serves on', async () => {
  // The iovec array fits in the memory (8 bytes each, zeroed, past the page the answer is built in), so only the
  // count can stop it.
  const guest = errnoGuest('', '(local.set $errno (call $fd_write (i32.const 1) (i32.const 65536) (i32.const 33000000) (i32.const 268000000)))', 4096);
  await withChildHost({}, async (h) => {
    await h.deploy('iovecs', guest, 'memoryMb=256&timeoutMs=30000');
    const r = await h.call('iovecs');
    assert.is(r.status, 200, r.text);
    assert.is(r.text, `errno=${EINVAL}`);
    await h.assertServing();
  });
});

test('fd_write and fd_read past IOV_MAX, and iovecs adding up past a u32, answer EINVAL', async () => {
  // 1024 iovecs over the whole 16 MiB memory, to stderr: 16 GiB in one call.
  const overlapping = `
    (loop $fill
      (i32.store (i32.add (i32.const 4096) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0))
      (i32.store (i32.add (i32.const 4100) (i32.mul (local.get $i) (i32.const 8))) (i32.const 16777216))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 1024))))
    (local.set $errno (call $fd_write (i32.const 2) (i32.const 4096) (i32.const 1024) (i32.const 992)))`;
  const read = '(import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))';
  await withChildHost({}, async (h) => {
    await h.deploy('overlap', errnoGuest('', overlapping, 256));
    await h.deploy('readv', errnoGuest(read, '(local.set $errno (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1025) (i32.const 992)))'));
    assert.is((await h.call('overlap')).text, `errno=${EINVAL}`);
    assert.is((await h.call('readv')).text, `errno=${EINVAL}`);
    await h.assertServing();
  });
});

test('poll_oneoff with 5,000,000 subscriptions answers EINVAL and the host serves on', async () => {
  // Zeroed memory reads as clock subscriptions that are due at once: every one would become an event.
  const poll = '(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))';
  const guest = errnoGuest(poll, '(local.set $errno (call $poll (i32.const 65536) (i32.const 65536) (i32.const 5000000) (i32.const 268000000)))', 4096);
  await withChildHost({}, async (h) => {
    await h.deploy('poll', guest, 'memoryMb=256&timeoutMs=30000');
    const r = await h.call('poll');
    assert.is(r.status, 200, r.text);
    assert.is(r.text, `errno=${EINVAL}`);
    await h.assertServing();
  });
});

/** An SDK guest answering status 200 with `count` headers named "a" (empty values) and an empty body. */
function sdkHeaders(count: number, claimed = count): Uint8Array {
  return wat(`(module
    (import "wasmfn" "response_write" (func $respond (param i32 i32)))
    (memory (export "memory") 1)
    (func (export "handle") (local $i i32) (local $p i32)
      (i32.store (i32.const 0) (i32.const 200))
      (i32.store (i32.const 4) (i32.const ${claimed}))
      (local.set $p (i32.const 8))
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.const ${count})))
        (i32.store (local.get $p) (i32.const 1))
        (i32.store8 (i32.add (local.get $p) (i32.const 4)) (i32.const 97))
        (i32.store (i32.add (local.get $p) (i32.const 5)) (i32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 9)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (i32.store (local.get $p) (i32.const 0))
      (call $respond (i32.const 0) (i32.add (local.get $p) (i32.const 4)))))`);
}

test('an SDK response with more headers than the cap, or claiming billions, is a 502 bad_gateway', async () => {
  await withChildHost({}, async (h) => {
    await h.deploy('many', sdkHeaders(1000));
    await h.deploy('claims', sdkHeaders(1, 0x7fff_ffff));
    await h.deploy('few', sdkHeaders(3));
    const many = await h.call('many');
    assert.is(many.code, 'bad_gateway', many.text);
    assert.match(many.text, /header count 1000/);
    assert.is((await h.call('claims')).code, 'bad_gateway');
    assert.is((await h.call('few')).status, 200);
    await h.assertServing();
  });
});

test('a CGI response with more headers than the cap is a 502 bad_gateway', async () => {
  const guest = wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 1024) "Content-Type: text/plain\\n")
    (data (i32.const 1100) "X-A: 1\\n")
    (data (i32.const 1200) "\\nok")
    (func (export "_start") (local $i i32)
      (i32.store (i32.const 900) (i32.const 1024)) (i32.store (i32.const 904) (i32.const 25))
      (i32.store (i32.const 908) (i32.const 1100)) (i32.store (i32.const 912) (i32.const 7))
      (i32.store (i32.const 916) (i32.const 1200)) (i32.store (i32.const 920) (i32.const 3))
      (drop (call $fd_write (i32.const 1) (i32.const 900) (i32.const 1) (i32.const 800)))
      (loop $l
        (drop (call $fd_write (i32.const 1) (i32.const 908) (i32.const 1) (i32.const 800)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
      (drop (call $fd_write (i32.const 1) (i32.const 916) (i32.const 1) (i32.const 800)))))`);
  await withChildHost({}, async (h) => {
    await h.deploy('cgi-headers', guest);
    const r = await h.call('cgi-headers');
    assert.is(r.code, 'bad_gateway', r.text);
    assert.match(r.text, /more than \d+ headers/);
    await h.assertServing();
  });
});

test('a log flood keeps at most 64 KiB of log lines for the call, with a marker for the rest', async () => {
  const guest = wat(`(module
    (import "wasmfn" "log" (func $log (param i32 i32 i32)))
    (import "wasmfn" "response_write" (func $respond (param i32 i32)))
    (memory (export "memory") 1)
    (func (export "handle") (local $i i32)
      (memory.fill (i32.const 1024) (i32.const 120) (i32.const 16384))
      (loop $l
        (call $log (i32.const 1) (i32.const 1024) (i32.const 16384))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 2000))))
      (i32.store (i32.const 0) (i32.const 200))
      (i32.store (i32.const 4) (i32.const 0))
      (i32.store (i32.const 8) (i32.const 0))
      (call $respond (i32.const 0) (i32.const 12))))`);
  await withChildHost({}, async (h) => {
    await h.deploy('flood', guest);
    assert.is((await h.call('flood')).status, 200);
    const [entry] = await h.invocations('flood');
    const logs = entry!.logs;
    const marker = logs[logs.length - 1]!;
    assert.match(marker.line, /more log line\(s\) dropped/);
    const kept = logs.slice(0, -1).reduce((n, l) => n + Buffer.byteLength(l.line), 0);
    assert.ok(kept > 0 && kept <= 64 * 1024, `${kept} bytes of log lines kept`);
    await h.assertServing();
  });
});

test.run();
