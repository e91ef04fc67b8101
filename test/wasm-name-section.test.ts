// Bounding the names of a module's name section: what V8 puts in every frame of a wasm stack trace.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_NAME_BYTES, boundNames } from '../host/wasm/name-section.js';
import { concatBytes } from '../host/wasm/byte-reader.js';
import { EXPORT_KIND, SECTION, body, name, section, vec, wasmModule } from './helpers/wasm-binary.js';

const test = suite('wasm name section');

const utf8 = new TextEncoder();

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

test('a module without long names is returned as it is', () => {
  for (const bytes of [trapping(), trapping([1, functionNames('short')]), trapping([0, name('mod')], [1, functionNames('f'.repeat(MAX_NAME_BYTES))])]) {
    assert.is(boundNames(bytes), bytes);
  }
});

test('a long function name is cut to the bound without splitting a character', () => {
  const long = 'é'.repeat(MAX_NAME_BYTES); // two bytes each
  const out = boundNames(trapping([1, functionNames(`x${long}`)]));
  const frame = firstFrame(out);
  const shown = /^at (x[é]+) /.exec(frame)?.[1];
  assert.ok(shown, frame.slice(0, 80));
  assert.ok(utf8.encode(shown!).length <= MAX_NAME_BYTES && utf8.encode(shown!).length > MAX_NAME_BYTES - 2, `${utf8.encode(shown!).length} bytes`);
});

test('a long module name is cut too, and the other subsections are kept', () => {
  const locals = vec([concatBytes([new Uint8Array([0]), vec([])])]);
  const out = boundNames(trapping([0, name('m'.repeat(5 * MAX_NAME_BYTES))], [1, functionNames('fn')], [2, locals]));
  const frame = firstFrame(out);
  assert.match(frame, /^at m+\.fn \(wasm:\/\/wasm\/m+-[0-9a-f]+:/);
  assert.ok(frame.length < 3 * MAX_NAME_BYTES, `${frame.length} characters`);
  assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>));
});

test('a malformed name section holding a long name is dropped', () => {
  const bad = concatBytes([functionNames('n'.repeat(2 * MAX_NAME_BYTES)), new Uint8Array([0xff])]);
  const out = boundNames(trapping([1, bad]));
  assert.match(firstFrame(out), /^at wasm:\/\/wasm\/[0-9a-f]+:wasm-function\[0\]/);
});

test('bytes that are not a readable module are left for the compiler to refuse', () => {
  const truncated = trapping([1, functionNames('n'.repeat(2 * MAX_NAME_BYTES))]).subarray(0, 30);
  assert.is(boundNames(truncated), truncated);
});

test.run();
