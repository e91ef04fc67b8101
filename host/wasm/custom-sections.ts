// Byte-level rewrite of a module's custom sections: only a bounded name section is kept.
//
// V8 ignores custom sections except "name", whose function names go into every stack trace of a trap: a
// megabyte-long name would be copied into each frame of each trap, in the worker's heap and in the response.
// Binaryen reads more of them (target_features switches its features on, a malformed one fails the parse), so
// none of the others reach it. The kept name section holds the module and function names only, each cut to
// MAX_NAME_BYTES with control characters replaced; one that cannot be read is dropped (V8 ignores it too).

import { ByteReader, concatBytes, encodeName, encodeU32, MalformedWasm } from './byte-reader.js';
import { SECTION, type ModuleLayout } from './layout.js';
import { MAX_NAME_BYTES } from './module-caps.js';

const NAME_SECTION = 'name';
const SUB = { module: 0, functions: 1 } as const;
/** C0 controls, DEL and C1 controls: terminal escapes and line breaks in a log or a stack. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function boundedName(raw: string): string {
  const clean = raw.replace(CONTROL, '\uFFFD');
  const utf8 = new TextEncoder().encode(clean);
  if (utf8.length <= MAX_NAME_BYTES) return clean;
  let cut = MAX_NAME_BYTES;
  while (cut > 0 && (utf8[cut]! & 0xc0) === 0x80) cut--;
  return new TextDecoder().decode(utf8.subarray(0, cut));
}

/** Parts of one subsection: its id and size, then `content`. */
function subsection(id: number, content: Uint8Array[]): Uint8Array[] {
  const size = content.reduce((n, c) => n + c.length, 0);
  const header: Uint8Array = Uint8Array.from([id, ...encodeU32(size)]);
  return [header].concat(content);
}

const bytesOf = (numbers: number[]): Uint8Array => Uint8Array.from(numbers);

/** The name section's module and function names, re-encoded within bounds; throws MalformedWasm if unreadable. */
function boundedNames(bytes: Uint8Array, start: number, end: number, functions: number): Uint8Array[] {
  const r = new ByteReader(bytes, start, end);
  let out: Uint8Array[] = [];
  let lastId = -1;
  while (!r.atEnd) {
    const id = r.byte('name subsection id');
    const size = r.u('name subsection size');
    const subEnd = r.pos + size;
    if (id <= lastId || subEnd > end) throw new MalformedWasm('name subsections out of order or too long', r.pos);
    lastId = id;
    const sr = new ByteReader(bytes, r.pos, subEnd);
    if (id === SUB.module) {
      out = out.concat(subsection(id, [bytesOf(encodeName(boundedName(sr.name('module name'))))]));
    } else if (id === SUB.functions) {
      const count = sr.u('function name count');
      if (count > functions) throw new MalformedWasm(`${count} function names for ${functions} functions`, sr.pos);
      const entries: Uint8Array[] = [bytesOf(encodeU32(count))];
      for (let i = 0; i < count; i++) {
        const index = sr.u('function index');
        entries.push(bytesOf([...encodeU32(index), ...encodeName(boundedName(sr.name('function name')))]));
      }
      out = out.concat(subsection(id, entries));
    }
    if (id <= SUB.functions && !sr.atEnd) throw new MalformedWasm('name subsection has trailing bytes', sr.pos);
    r.pos = subEnd;
  }
  return out;
}

/**
 * The module with every custom section removed and, if it had a readable one, a bounded name section at the end.
 * `functions` is the module's function count: a name section naming more cannot be right and is dropped.
 */
export function keepBoundedNames(bytes: Uint8Array, layout: ModuleLayout, functions: number): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let names: Uint8Array[] | null = null;
  for (const s of layout.sections) {
    if (s.id !== SECTION.custom) {
      parts.push(bytes.subarray(s.start, s.end));
      continue;
    }
    const r = new ByteReader(bytes, s.contentStart, s.end);
    try {
      if (r.name('custom section name') !== NAME_SECTION || names !== null) continue;
      names = boundedNames(bytes, r.pos, s.end, functions);
    } catch (e) {
      if (!(e instanceof MalformedWasm)) throw e;
    }
  }
  if (names !== null && names.length > 0) {
    const content = [bytesOf(encodeName(NAME_SECTION))].concat(names);
    parts.push(bytesOf([SECTION.custom, ...encodeU32(content.reduce((n, c) => n + c.length, 0))]));
    for (const c of content) parts.push(c);
  }
  return concatBytes(parts);
}
