// Hostile loader-form modules: export names that @assemblyscript/loader would turn into properties of the thread's
// Object.prototype (and so into code that runs inside other requests), and results and allocations that point
// anywhere. Deploy refuses the names; the runtime never looks at them even when a module gets past deploy.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wat } from './helpers/wat.js';
import { allocAt, answerHeader, capturingGuest, loaderGuest, OUT, pollutingGuest } from './fixtures/wasm/loader-guests.js';
import { runIsolated } from './helpers/isolated-executor.js';
import { withHost, deploy, deployBuilt } from './helpers/host.js';
import { callContext, preparedFunction, thrownCode, utf8 } from './helpers/abi-call.js';
import { invokeLoader } from '../host/abi/loader.js';
import { refusal } from './helpers/refusal.js';
import { prepareModule, DEFAULT_MAX_TABLE_ELEMENTS } from '../host/wasm/prepare.js';
import { sharedNow } from '../host/invocation/clock.js';
import type { LiveFunction } from '../host/store/registry.js';

const adv = suite('adversarial: loader-form modules');

const SECRET = 's3cr3t-0123456789abcdefgh';


/** An AssemblyScript-shaped module (own memory, exported) with one more export of the given name. */
function withExport(name: string): Uint8Array {
  return wat(`(module (memory (export "memory") 1)
    (func (export "__new") (param i32 i32) (result i32) (i32.const 1024))
    (func (export "handle") (param i32) (result i32) (i32.const 0))
    (func (export ${JSON.stringify(name)}) (param i32) (result i32) (i32.const 0)))`);
}

adv('deploy answers 422 to a loader module exporting a mangled accessor name, naming it', async () => {
  await withHost({}, async (h) => {
    const res = await deploy(h, 'hostile', withExport('constructor#get:Math'));
    assert.is(res.status, 422);
    const err = ((await res.json()) as { error: { code: string; details?: string[] } }).error;
    assert.is(err.code, 'invalid_module');
    assert.ok(err.details?.some((d) => d.includes('constructor#get:Math')), JSON.stringify(err));
  });
});

adv('every mangled form is refused for the loader ABI; plain names still deploy', () => {
  for (const name of ['constructor#set:x', 'Foo#bar', 'Foo#constructor', 'get:x', 'set:x', 'ns.fn', '__proto__.x', 'a b', '']) {
    const e = refusal(withExport(name));
    assert.is(e.code, 'invalid_module', name);
    assert.ok(e.details?.some((d) => d.includes(`"${name}"`)), `${name}: ${JSON.stringify(e.details)}`);
  }
  const ok = prepareModule(withExport('helper_2'), { memoryMb: 16, fuel: true, maxTableElements: DEFAULT_MAX_TABLE_ELEMENTS });
  assert.is(ok.abi, 'loader');
});

adv('past deploy, a module exporting mangled names leaves nothing on Object.prototype and later calls still work', async () => {
  const hostile = new WebAssembly.Module(wat(pollutingGuest()) as Uint8Array<ArrayBuffer>);
  const shout = await preparedFunction('shout');
  const shape = { initialPages: shout.initialPages, maximumPages: shout.maximumPages };
  const [first, second] = await runIsolated([
    { module: hostile, abi: 'loader', memory: { initialPages: 1, maximumPages: 16 }, fuel: null, body: 'x' },
    { module: shout.module, abi: 'loader', memory: shape, fuel: 1_000_000_000n, body: 'still here' },
  ]);
  assert.ok(first!.ok, first!.text);
  assert.equal(first!.prototypeAdded, []);
  assert.ok(second!.ok, second!.text);
  assert.is(second!.text, 'STILL HERE');
  assert.equal(second!.prototypeAdded, []);
});

adv('a loader module cannot read a later request of another function on its worker', async () => {
  await withHost({ workers: 1 }, async (h) => {
    await deployBuilt(h, 'abort-message', 'victim');
    const victim = h.registry.require('victim');
    // Past the deploy check: the module goes straight to the worker, with the victim's memory shape so the pool
    // hands the victim the memory this module was given.
    const hostile: LiveFunction = {
      ...victim, name: 'hostile', version: '1', key: 'hostile@1', abi: 'loader', fuelInstrumented: false,
      module: new WebAssembly.Module(wat(capturingGuest('Bearer ')) as Uint8Array<ArrayBuffer>),
    };
    const call = async (requestId: string) => {
      const o = await h.pool.invoke(hostile, { method: 'POST', path: '/', query: '', rawHeaders: [], body: new Uint8Array(0), remoteAddr: '', requestId, receivedAt: sharedNow() });
      return o.ok ? Buffer.from(o.body).toString() : `${o.error.code}: ${o.error.message}`;
    };
    assert.is(await call('plant'), '');
    const res = await fetch(`${h.url}/fn/victim`, { headers: { authorization: `Bearer ${SECRET}`, cookie: 'session=abc' } });
    assert.is(res.status, 500, 'the victim fails as it always does (it throws after reading its request)');
    const taken = await call('collect');
    assert.not.match(taken, SECRET, 'the hostile module returned the victim\'s Authorization header');
    assert.is(taken, '');
  });
});

/** The error code of one call of a hand-written guest on a memory of 1 page (at most 2), body "input". */
function codeOf(g: Parameters<typeof loaderGuest>[0], maxResponseBytes = 1 << 20): string {
  const fn = { module: new WebAssembly.Module(wat(loaderGuest(g)) as Uint8Array<ArrayBuffer>), initialPages: 1, maximumPages: 2 };
  return thrownCode(() => invokeLoader(callContext(fn, { body: utf8('input') }, { maxResponseBytes })));
}

adv('a result pointer or string header that does not hold up is bad_gateway, never a read outside memory', () => {
  const cases: Record<string, string> = {
    'a pointer inside the first object header': '(i32.const 4)',
    'a pointer past memory': '(i32.const 0x7ffffff0)',
    'a negative pointer': '(i32.const -16)',
    'another class than String': answerHeader(OUT, 1, 8),
    'an odd byte length': answerHeader(OUT, 2, 7),
    'a length running past memory': answerHeader(OUT, 2, 0xfffffffe),
    'a length reaching one byte past memory': answerHeader(OUT, 2, 65536 - OUT + 2),
    'a header at the very end of memory': answerHeader(65536, 2, 2),
  };
  for (const [what, handle] of Object.entries(cases)) assert.is(codeOf({ handle }), 'bad_gateway', what);
});

adv('a well-formed result bigger than the limit is refused before it is decoded', () => {
  assert.is(codeOf({ handle: answerHeader(OUT, 2, 40_000) }, 4096), 'response_too_large');
});

adv('an allocation that is no room for the input is bad_gateway, and nothing is written', () => {
  for (const [what, at] of [['null', '(i32.const 0)'], ['past memory', '(i32.const 65536)'], ['the last byte', '(i32.const 65535)'], ['negative', '(i32.const -8)']]) {
    assert.is(codeOf({ alloc: at }), 'bad_gateway', what);
  }
  // __new may grow memory: its answer is checked against memory as it is afterwards.
  assert.is(codeOf({ alloc: allocAt('(drop (memory.grow (i32.const 1))) (i32.const 65536)'), handle: '(local.get $input)' }), '(no error)');
});

adv.run();
