// Hostile uploads against the deploy pipeline: counts past V8's limits once rewritten, counts that make every
// instantiation expensive, modules that break Binaryen, and custom sections the host would act on.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningHost } from '../host/server.js';
import { auth, deploy, fnBytes, withHost } from './helpers/host.js';
import { KIND, ModuleWriter, OP, T } from './helpers/wasm-writer.js';

const test = suite('adversarial: deploy');

interface ErrorBody { error: { code: string; message: string; details?: string[] } }

/** A module with a memory and an empty `handle`, for `extend` to add the hostile part to. */
function moduleWith(extend: (m: ModuleWriter, handle: number) => void): Uint8Array {
  const m = new ModuleWriter();
  m.setMemory(1);
  const handle = m.func([OP.end], { export: 'handle' });
  extend(m, handle);
  return m.bytes();
}

/** Deploys `bytes`, expects a 422 invalid_module whose details mention every word, then a valid deploy at once. */
async function refused(h: RunningHost, bytes: Uint8Array, ...words: string[]): Promise<void> {
  const res = await deploy(h, 'hostile', bytes);
  const body = (await res.json()) as ErrorBody;
  assert.is(res.status, 422, JSON.stringify(body));
  assert.is(body.error.code, 'invalid_module');
  const details = body.error.details ?? [];
  for (const w of words) assert.ok(details.some((d) => d.includes(w)), `no detail mentions "${w}": ${JSON.stringify(details)}`);
  await deploysValid(h);
}

let validDeploys = 0;

/** A valid module under a new name, so that it is prepared rather than found already stored. */
async function deploysValid(h: RunningHost): Promise<void> {
  const res = await deploy(h, `valid-${validDeploys++}`, await fnBytes('hello'));
  assert.ok(res.status === 201 || res.status === 200, `valid deploy: ${res.status} ${await res.text()}`);
}

test('99,999 exports: refused with the reason, although the fuel export would cross V8 limit only after the rewrite', async () => {
  await withHost({}, async (h) => {
    const bytes = moduleWith((m, handle) => {
      for (let i = 0; i < 99_999; i++) m.export(`e${i}`, KIND.function, handle);
    });
    await refused(h, bytes, '100000 exports', 'limit of 10000');
  });
});

test('999,999 functions: refused before Binaryen spends seconds on them', async () => {
  await withHost({}, async (h) => {
    await refused(h, moduleWith((m) => m.repeatFunc(999_998, [OP.end])), '999999 functions', 'limit of 100000');
  });
});

test('counts that make every instantiation expensive are refused: globals, imports, element segments, types', async () => {
  await withHost({}, async (h) => {
    await refused(h, moduleWith((m) => {
      for (let i = 0; i < 200_000; i++) m.global(i);
    }), '200000 globals', 'limit of 100000');
    const imports = new ModuleWriter();
    const fdWrite = imports.type([T.i32, T.i32, T.i32, T.i32], [T.i32]);
    for (let i = 0; i < 20_000; i++) imports.importFunc('wasi_snapshot_preview1', 'fd_write', fdWrite);
    imports.setMemory(1);
    imports.func([OP.end], { export: '_start' });
    await refused(h, imports.bytes(), '20000 imports', 'limit of 10000');
    await refused(h, moduleWith((m, handle) => {
      m.table(1);
      for (let i = 0; i < 20_000; i++) m.activeElements(0, [handle]);
    }), '20000 element segments');
    await refused(h, moduleWith((m) => {
      for (let i = 0; i < 200; i++) m.type(Array.from({ length: 1000 }, (_, p) => (p === i % 1000 ? T.i64 : T.i32)));
    }), '200000 parameters and results', 'limit of 100000');
  });
});

test('a body V8 accepts but that crosses its size limit once metered: 422 with the reason, not 500', async () => {
  await withHost({}, async (h) => {
    const loops: number[] = [];
    for (let i = 0; i < 280_000; i++) loops.push(0x03, 0x40, OP.end);
    await refused(h, moduleWith((m) => m.func([...loops, OP.end])), 'once instrumented for fuel metering', "V8's limit of 7654321");
  });
});

test('a module that makes Binaryen fail gets a fresh prepare worker for the next deploy', async () => {
  await withHost({}, async (h) => {
    await deploysValid(h);
    const before = h.preparer.started;
    // Deep enough that Binaryen runs out of stack on it.
    const nested: number[] = [OP.i32Const, 1];
    for (let i = 0; i < 200_000; i++) nested.push(0x45);
    await refused(h, moduleWith((m) => m.func([...nested, OP.drop, OP.end])), 'could not be instrumented');
    assert.is(h.preparer.started, before + 1, 'the valid deploy after the failure ran in a new worker');
  });
});

test('custom sections do not reach Binaryen: a malformed target_features section deploys and runs', async () => {
  await withHost({}, async (h) => {
    const m = new ModuleWriter();
    const write = m.importFunc('wasmfn', 'response_write', m.type([T.i32, T.i32]));
    m.setMemory(1);
    m.activeData(16, Uint8Array.of(0xc8, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x6f, 0x6b));
    m.func([OP.i32Const, 16, OP.i32Const, 14, OP.call, write, OP.end], { export: 'handle' });
    m.custom('target_features', Uint8Array.of(1, 0x7a, 3, 0x61, 0x62, 0x63));
    const res = await deploy(h, 'features', m.bytes());
    assert.is(res.status, 201, await res.text());
    assert.is(await (await fetch(`${h.url}/fn/features`)).text(), 'ok');
  });
});

test('thousands of custom sections are refused before the host keeps anything per section', async () => {
  await withHost({}, async (h) => {
    await refused(h, moduleWith((m) => {
      for (let i = 0; i < 2000; i++) m.custom('', new Uint8Array(0));
    }), 'more than 1000 custom sections');
  });
});

test('import and export names past 1 KiB are refused, and the reason does not repeat them', async () => {
  await withHost({}, async (h) => {
    const long = 'n'.repeat(100_000);
    const res = await deploy(h, 'names', moduleWith((m, handle) => {
      m.export(long, KIND.function, handle);
      m.importFunc('env', long, m.type());
    }));
    const text = await res.text();
    assert.is(res.status, 422);
    assert.ok(text.includes('export 1 has a name of 100000 bytes'), text.slice(0, 500));
    assert.ok(text.length < 20_000, `a response of ${text.length} characters`);
    await deploysValid(h);
  });
});

test('names from the name section reach a trap stack cut short and without control characters', async () => {
  await withHost({}, async (h) => {
    const long = 'x'.repeat(1_000_000);
    const m = new ModuleWriter();
    m.setMemory(1);
    const handle = m.func([0x00, OP.end], { export: 'handle' });
    m.names(`mod\x1b[2J${long}`, [[handle, `${long}\x1b]0;title\x07\nforged`]]);
    assert.is((await deploy(h, 'names', m.bytes())).status, 201);
    assert.is((await fetch(`${h.url}/fn/names`)).status, 500);
    const logs = (await (await fetch(`${h.url}/api/functions/names/logs`, { headers: auth(h) })).json()) as { invocations: { trapStack?: string[] }[] };
    const stack = logs.invocations[0]?.trapStack ?? [];
    assert.ok(stack.length > 0, 'the trap has a stack');
    for (const frame of stack) {
      assert.ok(frame.length < 4096, `a frame of ${frame.length} characters`);
      assert.not.match(frame, /[\u0000-\u001f\u007f-\u009f]/);
    }
  });
});

test.run();
