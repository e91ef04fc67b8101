// Instances made ahead on the HTTP thread: a call of a version called before runs in an instance made after the
// previous call's answer, as fresh as one made for it (its globals and memory); a start function that needs a call
// (to log, to read the clock) never runs ahead; a call whose slice runs out in one goes to the pool as any other; a
// retired version's instance is dropped; the set of versions holding one stays bounded in count and bytes.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost as startedHost, deployBuilt, deploy, admin, until, type TestHost } from './helpers/host.js';
import { wat } from './helpers/wat.js';
import { sharedNow } from '../host/invocation/clock.js';
import { MAX_READY, SKIP_AFTER_UNUSED, ReadyInstances, type ReadyInstance } from '../host/sandbox/ready-instances.js';

const test = suite('sandbox ready instances');

const inline = (h: TestHost) => h.pool.inline!;

/** Every eligible call is tried inline, however loaded the machine running the tests is. */
const withHost = <T>(fn: (h: TestHost) => Promise<T>) => startedHost({ inlineBusyPercent: 100, logLevel: 'debug' }, fn);

/** An SDK guest whose start function logs a line (an import only a call can serve); its handle() answers "done". */
const LOGS_IN_START = wat(`(module
  (import "wasmfn" "log" (func $log (param i32 i32 i32)))
  (import "wasmfn" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\04\\00\\00\\00" "done")
  (data (i32.const 64) "start line")
  (func $start (call $log (i32.const 1) (i32.const 64) (i32.const 10)))
  (start $start)
  (func (export "handle") (call $write (i32.const 16) (i32.const 16))))`);

/** An SDK guest whose start function reads the clock (an import that needs no call state, but would tell it when it ran). */
const CLOCK_IN_START = wat(`(module
  (import "env" "Date.now" (func $now (result f64)))
  (import "wasmfn" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (global $bootedAt (mut f64) (f64.const 0))
  (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\04\\00\\00\\00" "done")
  (func $start (global.set $bootedAt (call $now)))
  (start $start)
  (func (export "handle") (call $write (i32.const 16) (i32.const 16))))`);

/** An SDK guest answering the 4 bytes at address 1024 as it found them, then writing 7 there. */
const READS_THEN_WRITES = wat(`(module
  (import "wasmfn" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\04\\00\\00\\00")
  (func (export "handle")
    (i32.store (i32.const 28) (i32.load (i32.const 1024)))
    (i32.store (i32.const 1024) (i32.const 7))
    (call $write (i32.const 16) (i32.const 16))))`);

async function text(h: TestHost, path: string): Promise<{ status: number; body: string; timing: string }> {
  const res = await fetch(`${h.url}${path}`);
  return { status: res.status, body: await res.text(), timing: res.headers.get('server-timing') ?? '' };
}

const instantiateMs = (timing: string): number => Number(/instantiate;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);

test('every call after the first runs in an instance made ahead, and each sees a fresh one', async () => {
  await withHost(async (h) => {
    await deployBuilt(h, 'counter');
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (i > 0) await until(() => inline(h).readyInstances === 1, 'an instance made ahead for counter');
      const r = await text(h, '/fn/counter');
      assert.is(r.status, 200);
      // Made ahead or not, the call's instantiation is reported (and billed) as its own.
      assert.ok(instantiateMs(r.timing) > 0, r.timing);
      answers.push(r.body);
    }
    // A module-level counter: any instance run twice would answer 2.
    assert.equal(answers, Array(12).fill('1'));
    assert.is(inline(h).hits, 12);
    assert.is(inline(h).readyUsed, 11);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /^wasmfn_inline_ready_total 11$/m);
    assert.match(metrics, /^wasmfn_inline_ready_instances 1$/m);
  });
});

test('a start function that calls an import is never run ahead: it runs within each call, logging there', async () => {
  await withHost(async (h) => {
    assert.is((await deploy(h, 'logs-in-start', LOGS_IN_START)).status, 201);
    for (let i = 0; i < 3; i++) {
      const r = await text(h, '/fn/logs-in-start');
      assert.equal([r.status, r.body], [200, 'done']);
    }
    assert.is(inline(h).hits, 3);
    assert.is(inline(h).readyUsed, 0);
    assert.is(inline(h).readyInstances, 0);
    const guest = h.lines().filter((l) => l.event === 'guest');
    assert.equal(guest.map((g) => g.msg), ['start line', 'start line', 'start line']);
  });
});

test('a new version drops the instance made for the one it replaces, and keeps its own', async () => {
  await withHost(async (h) => {
    await deployBuilt(h, 'counter');
    await text(h, '/fn/counter');
    await until(() => inline(h).readyInstances === 1, 'an instance made ahead for counter');
    await deployBuilt(h, 'counter', 'counter', 'memoryMb=2');
    assert.is(inline(h).readyInstances, 0);
    assert.equal(await text(h, '/fn/counter').then((r) => r.body), '1');
    assert.is(inline(h).readyUsed, 0);
    await until(() => inline(h).readyInstances === 1, 'an instance made ahead for the new version');
    // The pool forgets a name again once the calls in flight at the deploy have ended: the live version's stays.
    const live = h.registry.require('counter');
    h.pool.forget('counter', live.key);
    assert.is(inline(h).readyInstances, 1);
  });
});

test('the memory of an instance made ahead is zeroed: nothing a call wrote there is seen by the next', async () => {
  await withHost(async (h) => {
    assert.is((await deploy(h, 'scribble', READS_THEN_WRITES)).status, 201);
    for (let i = 0; i < 6; i++) {
      if (i > 0) await until(() => inline(h).readyInstances === 1, 'an instance made ahead for scribble');
      const res = await fetch(`${h.url}/fn/scribble`);
      assert.equal([...new Uint8Array(await res.arrayBuffer())], [0, 0, 0, 0], `call ${i}`);
    }
    assert.is(inline(h).readyUsed, 5);
  });
});

test('a start function that reads the clock is never run ahead (it could tell when it ran)', async () => {
  await withHost(async (h) => {
    assert.is((await deploy(h, 'clock-in-start', CLOCK_IN_START)).status, 201);
    for (let i = 0; i < 3; i++) assert.equal(await text(h, '/fn/clock-in-start').then((r) => [r.status, r.body]), [200, 'done']);
    assert.is(inline(h).hits, 3);
    assert.is(inline(h).readyUsed, 0);
    assert.is(inline(h).readyInstances, 0);
  });
});

test('a call whose slice runs out in an instance made ahead goes to the pool, its fuel counted once in full', async () => {
  await withHost(async (h) => {
    await deployBuilt(h, 'fib');
    assert.equal(await text(h, '/fn/fib?n=10').then((r) => r.body), '55');
    await until(() => inline(h).readyInstances === 1, 'an instance made ahead for fib');
    const res = await fetch(`${h.url}/fn/fib?n=27`);
    assert.is(await res.text(), '196418');
    assert.is(inline(h).readyUsed, 1);
    assert.is(inline(h).fallbacks, 1);
    // The slice's fuel and the pool's whole run: more than a slice, and no instance is made after a miss.
    assert.ok(Number(res.headers.get('x-wasmfn-fuel')) > h.opts.inlineFuel, res.headers.get('x-wasmfn-fuel') ?? '');
    assert.is(inline(h).readyInstances, 0);
  });
});

test("a deleted function's instance is dropped", async () => {
  await withHost(async (h) => {
    await deployBuilt(h, 'counter');
    await text(h, '/fn/counter');
    await until(() => inline(h).readyInstances === 1, 'an instance made ahead for counter');
    assert.is((await admin(h, '/api/functions/counter', { method: 'DELETE' })).status, 204);
    assert.is(inline(h).readyInstances, 0);
    assert.is(inline(h).readyBytes, 0);
  });
});

test('no instance is made ahead for a version replaced while its call was on the way', async () => {
  await withHost(async (h) => {
    await deployBuilt(h, 'counter');
    const old = h.registry.require('counter');
    await deployBuilt(h, 'counter', 'counter', 'memoryMb=2');
    const input = () => ({ method: 'GET', path: '/', query: '', rawHeaders: [], body: new Uint8Array(0), remoteAddr: '', requestId: 'r', receivedAt: sharedNow() });
    // A call admitted before the deploy (its body still being read then) ends after it, on the old version.
    const late = h.pool.tryInline(old, input(), false);
    assert.ok(late?.hit);
    h.pool.inline!.recycle();
    // Instances are made in a setImmediate queued by the hit, so by the time this one runs, theirs has.
    await new Promise((r) => setImmediate(r));
    assert.is(inline(h).readyInstances, 0);
    const live = h.pool.tryInline(h.registry.require('counter'), input(), false);
    assert.ok(live?.hit);
    h.pool.inline!.recycle();
    await new Promise((r) => setImmediate(r));
    assert.is(inline(h).readyInstances, 1);
  });
});

test('at most MAX_READY versions hold one, within the byte budget; one dropped unused is skipped SKIP_AFTER_UNUSED calls', () => {
  const page = () => new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const set = new ReadyInstances<{ name: string }>(64 * 65536);
  const fns = Array.from({ length: MAX_READY + 1 }, (_, i) => ({ name: `f${i}` }));
  const made = fns.map(() => ({ memory: page() }) as unknown as ReadyInstance);
  const dropped: ReadyInstance[] = [];
  for (let i = 0; i < fns.length; i++) {
    assert.ok(set.wanted(fns[i]!));
    dropped.push(...set.put(fns[i]!, made[i]!));
  }
  assert.is(set.size, MAX_READY);
  assert.is(set.bytes, MAX_READY * 65536);
  assert.equal(dropped, [made[0]]);
  let skipped = 0;
  while (!set.wanted(fns[0]!)) skipped++;
  assert.is(skipped, SKIP_AFTER_UNUSED);
  assert.is(set.take(fns[1]!), made[1]);
  assert.is(set.take(fns[1]!), null);
  assert.equal(set.drop((fn) => fn.name === 'f2'), [made[2]]);
  assert.is(set.bytes, (MAX_READY - 2) * 65536);

  const small = new ReadyInstances<{ name: string }>(2 * 65536);
  const [a, b, c] = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
  const [ra, rb, rc] = [page(), page(), page()].map((memory) => ({ memory }) as unknown as ReadyInstance);
  assert.equal(small.put(a, ra!), []);
  assert.equal(small.put(b, rb!), []);
  assert.equal(small.put(c, rc!), [ra], 'the least lately called goes when the bytes are spent');
  const big = { memory: new WebAssembly.Memory({ initial: 3, maximum: 3 }) } as unknown as ReadyInstance;
  assert.equal(small.put({ name: 'd' }, big), [big], 'one bigger than the budget is not kept');
  assert.is(small.bytes, 2 * 65536);
});

test.run();
