import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteReader } from '../host/wasm/byte-reader.js';
import { keepBoundedNames } from '../host/wasm/custom-sections.js';
import { MAX_NAME_BYTES } from '../host/wasm/module-caps.js';
import { readLayout, SECTION } from '../host/wasm/layout.js';
import { ModuleWriter, OP } from './helpers/wasm-writer.js';

const test = suite('wasm prepare: custom sections');

function customNames(bytes: Uint8Array): string[] {
  return readLayout(bytes).sections.filter((s) => s.id === SECTION.custom).map((s) => new ByteReader(bytes, s.contentStart, s.end).name('name'));
}

function withCustoms(names: [number, string][] | null, ...others: [string, Uint8Array][]): Uint8Array {
  const m = new ModuleWriter();
  m.func([0x00, OP.end], { export: 'handle' });
  for (const [name, payload] of others) m.custom(name, payload);
  if (names) m.names('m', names);
  return m.bytes();
}

const kept = (bytes: Uint8Array) => keepBoundedNames(bytes, readLayout(bytes), 1);

/** The name V8 shows for function 0 in a trap's stack. */
function frameName(bytes: Uint8Array): string {
  try {
    (new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports['handle'] as () => void)();
  } catch (e) {
    return (e as Error).stack!.split('\n')[1]!;
  }
  throw new Error('expected a trap');
}

test('custom sections other than the name section are dropped', () => {
  const out = kept(withCustoms([[0, 'f']], ['producers', Uint8Array.of(0)], ['target_features', Uint8Array.of(9, 9)]));
  assert.equal(customNames(out), ['name']);
  assert.match(frameName(out), /m\.f /);
});

test('names are cut to the bound and control characters replaced', () => {
  const out = kept(withCustoms([[0, `${'é'.repeat(MAX_NAME_BYTES)}\x1b[2J`]]));
  const frame = frameName(out);
  assert.ok(frame.length < 3 * MAX_NAME_BYTES, `${frame.length}`);
  assert.not.match(frame, /\x1b/);
  assert.match(frameName(kept(withCustoms([[0, 'a\x1b]0;t\x07\nb']]))), /a\uFFFD\]0;t\uFFFD\uFFFDb/);
});

test('a name section that cannot be read, or names more functions than there are, is dropped', () => {
  assert.equal(customNames(kept(withCustoms(null, ['name', Uint8Array.of(1, 9, 1)]))), []);
  assert.equal(customNames(kept(withCustoms([[0, 'a'], [1, 'b']]))), []);
  assert.ok(WebAssembly.validate(kept(withCustoms(null, ['name', Uint8Array.of(1, 9, 1)])) as Uint8Array<ArrayBuffer>));
});

test.run();
