// Bounding the names of a module's name section (what V8 puts in every frame of a wasm stack trace): at deploy, and
// for versions stored before, by preparing them again when the host loads them.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { keepBoundedNames, namesWithinBounds } from '../host/wasm/custom-sections.js';
import { MAX_NAME_BYTES } from '../host/wasm/module-caps.js';
import { readLayout } from '../host/wasm/layout.js';
import { needsPreparingAgain } from '../host/wasm/prepared-check.js';
import { prepareModule } from '../host/wasm/prepare.js';
import { concatBytes } from '../host/wasm/byte-reader.js';
import { FUNCTIONS_DIR } from './helpers/host.js';
import { ModuleWriter, OP } from './helpers/wasm-writer.js';
import { EXPORT_KIND, SECTION, body, name, section, vec, wasmModule } from './helpers/wasm-binary.js';

const test = suite('wasm name section');

const utf8 = new TextEncoder();
const CAP = 100_000;

/** A module whose exported function `f` traps, with the given name subsections (id, content) in its name section. */
function trapping(...subsections: [number, Uint8Array][]): Uint8Array {
  const names = subsections.map(([id, content]) => concatBytes([new Uint8Array([id]), name(content)]));
  return wasmModule(
    section(SECTION.type, vec([[0x60, 0, 0]])),
    section(SECTION.function, vec([[0]])),
    section(SECTION.export, vec([[...name('f'), EXPORT_KIND.function, 0]])),
    section(SECTION.code, vec([body([0x00, 0x0b])])),
    ...(subsections.length ? [section(SECTION.custom, name('name'), ...names)] : []),
  );
}

const functionNames = (n: string) => vec([concatBytes([new Uint8Array([0]), name(n)])]);
const bounded = (bytes: Uint8Array) => keepBoundedNames(bytes, readLayout(bytes), 1);
const withinBounds = (bytes: Uint8Array) => namesWithinBounds(bytes, readLayout(bytes));

/** The first frame of the trap the module's `f` raises. */
function firstFrame(bytes: Uint8Array): string {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  try {
    (instance.exports['f'] as () => void)();
  } catch (e) {
    return (e as Error).stack!.split('\n')[1]!.trim();
  }
  throw new Error('f did not trap');
}

test('a module without long names is within bounds', () => {
  for (const bytes of [trapping(), trapping([1, functionNames('short')]), trapping([0, name('mod')], [1, functionNames('f'.repeat(MAX_NAME_BYTES))])]) {
    assert.ok(withinBounds(bytes));
  }
});

test('a long function name is cut to the bound without splitting a character', () => {
  const long = 'é'.repeat(MAX_NAME_BYTES); // two bytes each
  const before = trapping([1, functionNames(`x${long}`)]);
  assert.not.ok(withinBounds(before));
  const out = bounded(before);
  assert.ok(withinBounds(out));
  const frame = firstFrame(out);
  const shown = /^at (x[é]+) /.exec(frame)?.[1];
  assert.ok(shown, frame.slice(0, 80));
  assert.ok(utf8.encode(shown!).length <= MAX_NAME_BYTES && utf8.encode(shown!).length > MAX_NAME_BYTES - 2, `${utf8.encode(shown!).length} bytes`);
});

test('a long module name is cut too, and the function names are kept', () => {
  const before = trapping([0, name('m'.repeat(5 * MAX_NAME_BYTES))], [1, functionNames('fn')]);
  assert.not.ok(withinBounds(before));
  const out = bounded(before);
  const frame = firstFrame(out);
  assert.match(frame, /^at m+\.fn \(wasm:\/\/wasm\/m+-[0-9a-f]+:/);
  assert.ok(frame.length < 3 * MAX_NAME_BYTES, `${frame.length} characters`);
  assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>));
});

test('a malformed name section holding a long name is dropped, and is not within bounds as stored', () => {
  const bad = trapping([1, concatBytes([functionNames('n'.repeat(2 * MAX_NAME_BYTES)), new Uint8Array([0xff])])]);
  assert.not.ok(withinBounds(bad));
  assert.match(firstFrame(bounded(bad)), /^at wasm:\/\/wasm\/[0-9a-f]+:wasm-function\[0\]/);
});

test('a stored module with a long name is prepared again; bytes that are not a module are left for the compiler', () => {
  assert.ok(needsPreparingAgain(trapping([1, functionNames('n'.repeat(2 * MAX_NAME_BYTES))]), CAP));
  assert.ok(needsPreparingAgain(trapping([1, functionNames('a\x1b[2Jb')]), CAP), 'control characters');
  assert.not.ok(needsPreparingAgain(trapping([1, functionNames('short')]), CAP));
  const truncated = trapping([1, functionNames('n'.repeat(2 * MAX_NAME_BYTES))]).subarray(0, 30);
  assert.not.ok(needsPreparingAgain(truncated, CAP));
});

test('what is prepared today is never prepared again: the built functions, and a name right at the bound', async () => {
  const modules: Uint8Array[] = await Promise.all(['hello', 'echo', 'fib', 'counter'].map(async (n) => new Uint8Array(await fs.readFile(path.join(FUNCTIONS_DIR, `${n}.wasm`)))));
  const named = new ModuleWriter();
  named.func([OP.end], { export: 'handle' });
  named.names('m', [[0, `${'é'.repeat(MAX_NAME_BYTES / 2 - 1)}xy`]]);
  modules.push(named.bytes());
  for (const m of modules) {
    const prepared = prepareModule(m, { memoryMb: 16, fuel: true, maxTableElements: CAP });
    assert.not.ok(needsPreparingAgain(prepared.bytes, CAP));
  }
});

test.run();
