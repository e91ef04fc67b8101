// Hostile guests that make the host allocate on the JS heap (many small writes, megabyte function names, instances
// heavier than the worker's heap), each against a real host in a child process: an allocation V8 cannot make
// aborts the whole process, so the host must bound it first, and what only exhausts a worker must end that worker.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wat } from './helpers/wat.js';
import { withChildHost } from './helpers/child-host.js';
import { concatBytes } from '../host/wasm/byte-reader.js';
import { EXPORT_KIND, SECTION, body, name, section, vec, wasmModule } from './helpers/wasm-binary.js';

const test = suite('adversarial heap');

test('stdout written one byte per call is served, not held as an object per write', async () => {
  const writes = 2_000_000;
  const guest = wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 1024) "Content-Type: text/plain\\n\\n")
    (data (i32.const 1100) "x")
    (func (export "_start") (local $i i32)
      (i32.store (i32.const 900) (i32.const 1024)) (i32.store (i32.const 904) (i32.const 26))
      (i32.store (i32.const 908) (i32.const 1100)) (i32.store (i32.const 912) (i32.const 1))
      (drop (call $fd_write (i32.const 1) (i32.const 900) (i32.const 1) (i32.const 800)))
      (loop $l
        (drop (call $fd_write (i32.const 1) (i32.const 908) (i32.const 1) (i32.const 800)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const ${writes}))))))`);
  await withChildHost({}, async (h) => {
    await h.deploy('bytewise', guest, 'timeoutMs=30000');
    const r = await h.call('bytewise');
    assert.is(r.status, 200, r.text.slice(0, 300));
    assert.is(r.text.length, writes);
    await h.assertServing();
  });
});

/** A WAGI module whose recursive function, named with `nameBytes` bytes, traps twelve calls deep. */
function longNamedTrap(nameBytes: number): Uint8Array {
  const recurse = [0x20, 0, 0x45, 0x04, 0x40, 0x00, 0x0b, 0x20, 0, 0x41, 1, 0x6b, 0x10, 0, 0x0b];
  const start = [0x41, 12, 0x10, 0, 0x0b];
  const functionNames = vec([concatBytes([new Uint8Array([0]), name(new Uint8Array(nameBytes).fill(0x4e))])]);
  return wasmModule(
    section(SECTION.type, vec([[0x60, 1, 0x7f, 0], [0x60, 0, 0]])),
    section(SECTION.function, vec([[0], [1]])),
    section(SECTION.memory, vec([[0, 1]])),
    section(SECTION.export, vec([[...name('_start'), EXPORT_KIND.function, 1], [...name('memory'), EXPORT_KIND.memory, 0]])),
    section(SECTION.code, vec([body(recurse), body(start)])),
    section(SECTION.custom, name('name'), [1], name(functionNames)),
  );
}

test('a trap in a function with a 20 MB name is a 500 trap with short frames, and the host serves on', async () => {
  await withChildHost({}, async (h) => {
    await h.deploy('long-name', longNamedTrap(20 * 1024 * 1024));
    const r = await h.call('long-name');
    assert.is(r.code, 'trap', r.text.slice(0, 300));
    const [entry] = await h.invocations('long-name');
    const frames = entry!.trapStack ?? [];
    assert.ok(frames.length > 0, 'the wasm frames are still reported');
    for (const f of frames) assert.ok(f.length <= 1024, `a frame of ${f.length} characters`);
    assert.match(frames[0]!, /^N+/, 'the name is kept, cut short');
    await h.assertServing();
  });
});

/** A WAGI module with `tables` tables of `elements` each: V8 allocates every one on the JS heap at instantiation. */
function manyTables(tables: number, elements: number): Uint8Array {
  const table = `(table ${elements} funcref)\n`;
  return wat(`(module
    (memory (export "memory") 1)
    ${table.repeat(tables)}
    (func (export "_start")))`);
}

test('a call that exhausts its worker\'s JS heap is a 500 memory_limit, and only that worker is replaced', async () => {
  // The table cap is raised so that a module can declare more than a 16 MiB heap holds: the cap is what keeps the
  // default host safe, and this is the path for whatever a call still makes the worker hold.
  await withChildHost({ WASMFN_WORKER_HEAP_MB: '16', WASMFN_MAX_TABLE_ELEMENTS: '3200000' }, async (h) => {
    await h.assertServing();
    // Together the tables outgrow the worker's heap as it instantiates them. The
    // child runs with --max-old-space-size, which V8 would otherwise apply to every worker instead of its own limit.
    await h.deploy('heavy', manyTables(32, 100_000), 'timeoutMs=30000');
    const r = await h.call('heavy');
    assert.is(r.status, 500, r.text);
    assert.is(r.code, 'memory_limit', r.text);
    assert.is(h.proc.child.exitCode, null);
    await h.assertServing();
  });
});

test.run();
