// Reads from a wasm binary what the deploy checks and the memory rewrite need: sections, imports, exports, memories, tables, data.

import { ByteReader, MalformedWasm } from './byte-reader.js';

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
export const WASM_VERSION = [0x01, 0x00, 0x00, 0x00] as const;
export const HEADER_BYTES = 8;
/**
 * Known sections appear once each, custom sections any number of times: a module of millions of empty ones would
 * cost an object each here. No toolchain emits more than a few dozen.
 */
export const MAX_CUSTOM_SECTIONS = 1000;
/** V8 bounds the other counts read here (imports, exports, data segments), not element segments. */
export const MAX_ELEMENT_SEGMENTS = 100_000;

export const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11, dataCount: 12 } as const;

const EXTERNAL_KINDS = ['function', 'table', 'memory', 'global', 'tag'] as const;
export type ExternalKind = (typeof EXTERNAL_KINDS)[number];

export interface Limits {
  initial: number;
  maximum: number | null;
  shared: boolean;
  memory64: boolean;
}

export interface SectionSpan {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  contentStart: number;
  end: number;
}

export interface ImportEntry {
  module: string;
  name: string;
  kind: ExternalKind;
  /** Bytes of the whole entry, and for a memory where its limits begin (the memory rewrite replaces them). */
  start: number;
  end: number;
  limitsStart?: number;
  limits?: Limits;
}

export interface TableDecl {
  imported: boolean;
  refType: number;
  limits: Limits;
}

export interface DataSegment {
  active: boolean;
  memoryIndex: number;
  /** Constant start offset (as unsigned), or null when it comes from a global. */
  offset: number | null;
  length: number;
  /** Offset of the segment's bytes in the module. */
  bytesAt: number;
  /** 0x41 (i32.const), 0x42 (i64.const) or 0x23 (global.get) for active segments. */
  offsetOp: number | null;
}

export interface ElementSegment {
  active: boolean;
  tableIndex: number;
  /** Constant start offset (as unsigned), or null when it comes from a global. */
  offset: number | null;
  count: number;
}

export interface ModuleLayout {
  sections: SectionSpan[];
  imports: ImportEntry[];
  exports: { name: string; kind: ExternalKind }[];
  /** Memories defined by the module itself (not imported). */
  memories: Limits[];
  /** Imported first, then defined; `refType` is the element type byte (0x70 funcref, 0x6f externref). */
  tables: TableDecl[];
  data: DataSegment[];
  elements: ElementSegment[];
}

/** Why the 8-byte header is not a wasm 1.0 header, or null if it is. */
export function headerProblem(bytes: Uint8Array): string | null {
  if (bytes.length < HEADER_BYTES || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    return 'not a WebAssembly binary: missing the "\\0asm" magic number';
  }
  if (WASM_VERSION.some((b, i) => bytes[4 + i] !== b)) {
    const version = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
    return `unsupported WebAssembly binary version ${version} (only version 1 is supported)`;
  }
  return null;
}

function kindOf(r: ByteReader): ExternalKind {
  const at = r.pos;
  const k = EXTERNAL_KINDS[r.byte('external kind')];
  if (!k) throw new MalformedWasm('unknown external kind', at);
  return k;
}

function readLimits(r: ByteReader, what: string): Limits {
  const flags = r.byte(`${what} limits`);
  if (flags > 0x07) throw new MalformedWasm(`unknown ${what} limits flags 0x${flags.toString(16)}`, r.pos - 1);
  const memory64 = (flags & 0x04) !== 0;
  const bits = memory64 ? 64 : 32;
  const initial = r.u(`${what} initial size`, bits);
  const maximum = flags & 0x01 ? r.u(`${what} maximum size`, bits) : null;
  return { initial, maximum, shared: (flags & 0x02) !== 0, memory64 };
}

function readTableType(r: ByteReader, imported: boolean): TableDecl {
  const refType = r.byte('table element type');
  return { imported, refType, limits: readLimits(r, 'table') };
}

/** A data or element segment offset: a single constant or global.get, then `end` (what Node 20 accepts). */
function readOffset(r: ByteReader, what = 'data'): number | null {
  const op = r.byte(`${what} offset`);
  let offset: number | null;
  if (op === 0x41) offset = r.s(`${what} offset`, 32) >>> 0;
  else if (op === 0x42) offset = r.s(`${what} offset`, 64);
  else if (op === 0x23) {
    r.u(`${what} offset global`);
    offset = null;
  } else throw new MalformedWasm(`unsupported ${what} offset expression (opcode 0x${op.toString(16)})`, r.pos - 1);
  if (r.byte(`${what} offset end`) !== 0x0b) throw new MalformedWasm(`${what} offset expression is not a single instruction`, r.pos - 1);
  return offset;
}

/** An element initializer: ref.func, ref.null or global.get, then `end`. */
function skipElementExpr(r: ByteReader): void {
  const op = r.byte('element expression');
  if (op === 0xd2 || op === 0x23) r.u('element expression index');
  else if (op === 0xd0) r.byte('element expression type');
  else throw new MalformedWasm(`unsupported element expression (opcode 0x${op.toString(16)})`, r.pos - 1);
  if (r.byte('element expression end') !== 0x0b) throw new MalformedWasm('element expression is not a single instruction', r.pos - 1);
}

/** Element segments, flags 0-7: bit 0 passive/declarative, bit 1 explicit table (active) or declarative, bit 2 expressions. */
function readElements(r: ByteReader, layout: ModuleLayout): void {
  const count = r.u('element segment count');
  if (count > MAX_ELEMENT_SEGMENTS) throw new MalformedWasm(`${count} element segments, more than ${MAX_ELEMENT_SEGMENTS}`, r.pos);
  for (let n = count; n > 0; n--) {
    const flags = r.u('element segment flags');
    if (flags > 7) throw new MalformedWasm(`unknown element segment flags ${flags}`, r.pos);
    const active = (flags & 0x01) === 0;
    const tableIndex = flags & 0x02 && active ? r.u('element segment table index') : 0;
    const offset = active ? readOffset(r, 'element') : null;
    if (flags & 0x03) r.byte(flags & 0x04 ? 'element reference type' : 'element kind');
    const count = r.u('element count');
    for (let i = 0; i < count; i++) {
      if (flags & 0x04) skipElementExpr(r);
      else r.u('element function index');
    }
    layout.elements.push({ active, tableIndex, offset, count });
  }
}

function readImports(r: ByteReader, layout: ModuleLayout): void {
  for (let n = r.u('import count'); n > 0; n--) {
    const start = r.pos;
    const module = r.name('import module name');
    const name = r.name('import name');
    const kind = kindOf(r);
    const entry: ImportEntry = { module, name, kind, start, end: start };
    if (kind === 'function') r.u('import type index');
    else if (kind === 'table') {
      const table = readTableType(r, true);
      entry.limits = table.limits;
      layout.tables.push(table);
    } else if (kind === 'memory') {
      entry.limitsStart = r.pos;
      entry.limits = readLimits(r, 'memory');
    } else if (kind === 'global') {
      r.byte('global type');
      r.byte('global mutability');
    } else {
      r.byte('tag attribute');
      r.u('tag type index');
    }
    entry.end = r.pos;
    layout.imports.push(entry);
  }
}

function readData(r: ByteReader, layout: ModuleLayout): void {
  for (let n = r.u('data segment count'); n > 0; n--) {
    const flags = r.u('data segment flags');
    if (flags > 2) throw new MalformedWasm(`unknown data segment flags ${flags}`, r.pos);
    const memoryIndex = flags === 2 ? r.u('data segment memory index') : 0;
    const offsetOp = flags === 1 ? null : r.bytes[r.pos]!;
    const offset = flags === 1 ? null : readOffset(r);
    const length = r.u('data segment length');
    const bytesAt = r.pos;
    r.skip(length, 'data segment bytes');
    layout.data.push({ active: flags !== 1, memoryIndex, offset, length, bytesAt, offsetOp });
  }
}

function readSection(r: ByteReader, id: number, layout: ModuleLayout): void {
  if (id === SECTION.import) readImports(r, layout);
  else if (id === SECTION.memory) {
    for (let n = r.u('memory count'); n > 0; n--) layout.memories.push(readLimits(r, 'memory'));
  } else if (id === SECTION.table) {
    for (let n = r.u('table count'); n > 0; n--) layout.tables.push(readTableType(r, false));
  } else if (id === SECTION.export) {
    for (let n = r.u('export count'); n > 0; n--) {
      const name = r.name('export name');
      const kind = kindOf(r);
      r.u('export index');
      layout.exports.push({ name, kind });
    }
  } else if (id === SECTION.element) readElements(r, layout);
  else if (id === SECTION.data) readData(r, layout);
}

/** Parses the module's structure; throws MalformedWasm on truncated or unreadable bytes. Assumes a valid header. */
export function readLayout(bytes: Uint8Array): ModuleLayout {
  const layout: ModuleLayout = { sections: [], imports: [], exports: [], memories: [], tables: [], data: [], elements: [] };
  const r = new ByteReader(bytes, HEADER_BYTES);
  let customs = 0;
  while (!r.atEnd) {
    const start = r.pos;
    const id = r.byte('section id');
    if (id === SECTION.custom && ++customs > MAX_CUSTOM_SECTIONS) throw new MalformedWasm(`more than ${MAX_CUSTOM_SECTIONS} custom sections`, start);
    const size = r.u('section size');
    const contentStart = r.pos;
    if (size > bytes.length - contentStart) {
      throw new MalformedWasm(`section ${id} claims ${size} bytes but only ${bytes.length - contentStart} remain`, start);
    }
    const end = contentStart + size;
    layout.sections.push({ id, start, contentStart, end });
    if (id !== SECTION.custom) {
      const sr = new ByteReader(bytes, contentStart, end);
      readSection(sr, id, layout);
    }
    r.pos = end;
  }
  return layout;
}
