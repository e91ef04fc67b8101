// Byte-level rewrite of a module's custom sections: only a bounded name section is kept.
//
// V8 ignores custom sections except "name", whose function names go into every stack trace of a trap: a
// megabyte-long name would be copied into each frame of each trap, in the worker's heap and in the response.
// Binaryen reads more of them (target_features switches its features on, a malformed one fails the parse), so
// none of the others reach it. The kept name section holds the module and function names only, each cut to
// MAX_NAME_BYTES with control characters replaced; one that cannot be read is dropped (V8 ignores it too).

import { ByteReader, concatBytes, encodeName, encodeU32, MalformedWasm } from './byte-reader.js';
import { SECTION, type ModuleLayout, type SectionSpan } from './layout.js';
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

interface Names {
  module: string | null;
  functions: { index: number; name: string }[] | null;
}

/**
 * The module and function names of a name section's subsections (`start` to `end`), as written; throws
 * MalformedWasm if unreadable, or when they name more than `functions` functions.
 */
function readNames(bytes: Uint8Array, start: number, end: number, functions: number): Names {
  const r = new ByteReader(bytes, start, end);
  const names: Names = { module: null, functions: null };
  let lastId = -1;
  while (!r.atEnd) {
    const id = r.byte('name subsection id');
    const size = r.u('name subsection size');
    const subEnd = r.pos + size;
    if (id <= lastId || subEnd > end) throw new MalformedWasm('name subsections out of order or too long', r.pos);
    lastId = id;
    const sr = new ByteReader(bytes, r.pos, subEnd);
    if (id === SUB.module) {
      names.module = sr.name('module name');
    } else if (id === SUB.functions) {
      const count = sr.u('function name count');
      if (count > functions) throw new MalformedWasm(`${count} function names for ${functions} functions`, sr.pos);
      names.functions = [];
      for (let i = 0; i < count; i++) names.functions.push({ index: sr.u('function index'), name: sr.name('function name') });
    }
    if (id <= SUB.functions && !sr.atEnd) throw new MalformedWasm('name subsection has trailing bytes', sr.pos);
    r.pos = subEnd;
  }
  return names;
}

/** The subsections of a name section holding `names`, each bounded. */
function boundedSubsections(names: Names): Uint8Array[] {
  let out: Uint8Array[] = [];
  if (names.module !== null) out = out.concat(subsection(SUB.module, [bytesOf(encodeName(boundedName(names.module)))]));
  if (names.functions !== null) {
    const entries: Uint8Array[] = [bytesOf(encodeU32(names.functions.length))];
    for (const f of names.functions) entries.push(bytesOf([...encodeU32(f.index), ...encodeName(boundedName(f.name))]));
    out = out.concat(subsection(SUB.functions, entries));
  }
  return out;
}

/** The start of a name section's subsections, or null when `s` is another custom section; throws MalformedWasm. */
function nameSubsections(bytes: Uint8Array, s: SectionSpan): number | null {
  const r = new ByteReader(bytes, s.contentStart, s.end);
  return r.name('custom section name') === NAME_SECTION ? r.pos : null;
}

/**
 * Whether every name V8 would show in a trap is already as keepBoundedNames writes it: false for a module or
 * function name too long or holding control characters, and for a name section that cannot be read (which of its
 * names V8 would still read is not worth guessing).
 */
export function namesWithinBounds(bytes: Uint8Array, layout: ModuleLayout): boolean {
  for (const s of layout.sections) {
    if (s.id !== SECTION.custom) continue;
    try {
      const start = nameSubsections(bytes, s);
      if (start === null) continue;
      const names = readNames(bytes, start, s.end, Infinity);
      if (names.module !== null && boundedName(names.module) !== names.module) return false;
      if (names.functions?.some((f) => boundedName(f.name) !== f.name)) return false;
    } catch (e) {
      if (e instanceof MalformedWasm) return false;
      throw e;
    }
  }
  return true;
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
    try {
      const start = nameSubsections(bytes, s);
      if (start === null || names !== null) continue;
      names = boundedSubsections(readNames(bytes, start, s.end, functions));
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
