// Bounds the names a module gives itself in its "name" custom section before V8 sees them.
//
// V8 builds every wasm stack trace from these names: the module name goes into each frame's URL and the function
// name into each frame, so a trap in a function named with megabytes of text makes the worker build a string of
// ten times that (one per frame), an allocation that aborts the whole process rather than the worker. Names are
// cut to MAX_NAME_BYTES here; the rest of the section (local names and the like, which no trace shows) is kept.

import { ByteReader, MalformedWasm, concatBytes, encodeU32 } from './byte-reader.js';
import { HEADER_BYTES } from './layout.js';

/** Bytes kept of a module or function name; longer ones are cut at a character boundary. */
export const MAX_NAME_BYTES = 1024;

const NAME_SECTION = new TextEncoder().encode('name');
const SUB_MODULE = 0;
const SUB_FUNCTIONS = 1;

/** The module with every name over MAX_NAME_BYTES cut; the same bytes when none is, or when there is no name section. */
export function boundNames(bytes: Uint8Array): Uint8Array {
  // Only the sections to replace are remembered: a module may hold millions of tiny sections.
  const edits: { start: number; end: number; content: Uint8Array | null }[] = [];
  const r = new ByteReader(bytes, HEADER_BYTES);
  try {
    while (!r.atEnd) {
      const start = r.pos;
      const id = r.byte('section id');
      const size = r.u('section size');
      const content = bytes.subarray(r.pos, r.pos + size);
      r.skip(size, 'section');
      if (id !== 0 || !isNameSection(content)) continue;
      const bounded = boundNameSection(content);
      if (bounded !== content) edits.push({ start, end: r.pos, content: bounded });
    }
  } catch (e) {
    // Bytes V8 will refuse anyway: compiling them gives the reason.
    if (e instanceof MalformedWasm) return bytes;
    throw e;
  }
  if (edits.length === 0) return bytes;
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const e of edits) {
    parts.push(bytes.subarray(at, e.start));
    if (e.content) parts.push(new Uint8Array([0, ...encodeU32(e.content.length)]), e.content);
    at = e.end;
  }
  parts.push(bytes.subarray(at));
  return concatBytes(parts);
}

function isNameSection(content: Uint8Array): boolean {
  const r = new ByteReader(content);
  try {
    const len = r.u('custom section name');
    return len === NAME_SECTION.length && NAME_SECTION.every((b, i) => content[r.pos + i] === b);
  } catch (e) {
    if (e instanceof MalformedWasm) return false;
    throw e;
  }
}

/**
 * The section's content with long names cut: the same array when none is too long, null when it is malformed (it
 * is dropped: which of its names V8 would still read is not worth guessing).
 */
function boundNameSection(content: Uint8Array): Uint8Array | null {
  try {
    if (!rewriteNames(content, null)) return content;
    // Cutting only shortens names and the encodings of their lengths: the original size is always enough.
    const out = new Writer(content.length);
    rewriteNames(content, out);
    return out.written();
  } catch (e) {
    if (e instanceof MalformedWasm) return null;
    throw e;
  }
}

/**
 * Walks a name section, writing it with every module and function name cut to MAX_NAME_BYTES into `out` when one
 * is given. Returns whether any name was cut; throws MalformedWasm on a malformed section.
 */
function rewriteNames(content: Uint8Array, out: Writer | null): boolean {
  const r = new ByteReader(content);
  r.skip(r.u('custom section name'), 'custom section name');
  out?.copy(content.subarray(0, r.pos));
  let cut = false;
  while (!r.atEnd) {
    const start = r.pos;
    const sub = r.byte('name subsection id');
    const size = r.u('name subsection size');
    const body = new ByteReader(content, r.pos, r.pos + size);
    r.skip(size, 'name subsection');
    if (sub !== SUB_MODULE && sub !== SUB_FUNCTIONS) {
      out?.copy(content.subarray(start, r.pos));
      continue;
    }
    // The subsection's size is known once its names are written: into a buffer of its own, then copied.
    const inner = out ? new Writer(size) : null;
    const names = sub === SUB_MODULE ? 1 : body.u('name count');
    if (sub === SUB_FUNCTIONS) inner?.u32(names);
    for (let i = 0; i < names; i++) {
      if (sub === SUB_FUNCTIONS) {
        const index = body.u('function index');
        inner?.u32(index);
      }
      const name = readName(body);
      cut ||= name.cut;
      inner?.name(name.bytes);
    }
    if (!body.atEnd) throw new MalformedWasm('bytes after the names of a name subsection', body.pos);
    if (out && inner) {
      out.byte(sub);
      out.u32(inner.length);
      out.copy(inner.written());
    }
  }
  return cut;
}

/** A name's UTF-8 bytes, cut to MAX_NAME_BYTES without splitting a character. */
function readName(r: ByteReader): { bytes: Uint8Array; cut: boolean } {
  const len = r.u('name length');
  const start = r.pos;
  r.skip(len, 'name');
  if (len <= MAX_NAME_BYTES) return { bytes: r.bytes.subarray(start, r.pos), cut: false };
  let end = start + MAX_NAME_BYTES;
  while (end > start && (r.bytes[end]! & 0xc0) === 0x80) end--;
  return { bytes: r.bytes.subarray(start, end), cut: true };
}

/** Appends to a buffer of a size known to be enough. */
class Writer {
  private readonly buf: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  byte(b: number): void {
    this.buf[this.length++] = b;
  }

  u32(n: number): void {
    for (const b of encodeU32(n)) this.byte(b);
  }

  copy(bytes: Uint8Array): void {
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  name(utf8: Uint8Array): void {
    this.u32(utf8.length);
    this.copy(utf8);
  }

  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
