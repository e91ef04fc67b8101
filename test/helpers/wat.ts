// Test helper: WAT text (inline or a fixture of test/fixtures/wasm/) compiled to wasm bytes with wabt, and back.

import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';

// Loaded once at import so that wat() can be synchronous, usable in expressions and in synchronous tests.
const wabt = await wabtInit();

/** Every post-MVP feature a test module may use; multi_memory is missing from wabt's typings. */
const FEATURES = {
  bulk_memory: true, reference_types: true, threads: true, memory64: true, multi_memory: true, mutable_globals: true,
  exceptions: true, tail_call: true, simd: true, multi_value: true,
};

/** Compiles WAT text; validation is left to the code under test (some modules are meant to be rejected). */
export function wat(text: string): Uint8Array {
  const m = wabt.parseWat('inline.wat', text, FEATURES);
  try {
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

/** Like wat(), with a name section carrying the `$names` of the text, as a toolchain's debug build has. */
export function watNamed(text: string): Uint8Array {
  const m = wabt.parseWat('named.wat', text, FEATURES);
  try {
    m.resolveNames();
    return m.toBinary({ write_debug_names: true }).buffer;
  } finally {
    m.destroy();
  }
}

/** Compiles `test/fixtures/wasm/<name>.wat` (the source, read relative to the compiled dist/test tree). */
export function watFixture(name: string): Uint8Array {
  return wat(readFileSync(new URL(`../../../test/fixtures/wasm/${name}.wat`, import.meta.url), 'utf8'));
}

/** The text form of a binary, to look at what a rewrite produced. */
export function wasmText(bytes: Uint8Array): string {
  const m = wabt.readWasm(bytes, { readDebugNames: true, ...FEATURES });
  try {
    return m.toText({ foldExprs: false, inlineExport: false });
  } finally {
    m.destroy();
  }
}
