// How many of each thing a module declares: what the deploy caps and the engine-limit checks compare.

import { ByteReader, MalformedWasm } from './byte-reader.js';
import { SECTION, type ModuleLayout } from './layout.js';

export interface FunctionBody {
  bytes: number;
  locals: number;
}

export interface ModuleCounts {
  types: number;
  /** Parameters and results over all function types. */
  typeArity: number;
  /** Imported and defined. */
  functions: number;
  /** Imported and defined. */
  globals: number;
  imports: number;
  exports: number;
  tables: number;
  elementSegments: number;
  /** Entries over all element segments (active, passive and declarative). */
  elementEntries: number;
  /** The defined functions' bodies, in index order. */
  bodies: FunctionBody[];
}

const FUNC_TYPE = 0x60;

function sectionReader(bytes: Uint8Array, layout: ModuleLayout, id: number): ByteReader | null {
  const s = layout.sections.find((x) => x.id === id);
  return s ? new ByteReader(bytes, s.contentStart, s.end) : null;
}

function countOf(bytes: Uint8Array, layout: ModuleLayout, id: number, what: string): number {
  return sectionReader(bytes, layout, id)?.u(what) ?? 0;
}

/** Value types are one byte each in what Node 20 accepts (no typed references), which V8 has checked by now. */
function readTypes(r: ByteReader | null): { types: number; typeArity: number } {
  if (!r) return { types: 0, typeArity: 0 };
  const types = r.u('type count');
  let typeArity = 0;
  for (let i = 0; i < types; i++) {
    const form = r.byte('type form');
    if (form !== FUNC_TYPE) throw new MalformedWasm(`unsupported type form 0x${form.toString(16)}`, r.pos - 1);
    for (let list = 0; list < 2; list++) {
      const n = r.u('type arity');
      r.skip(n, 'value types');
      typeArity += n;
    }
  }
  return { types, typeArity };
}

function readBodies(r: ByteReader | null): FunctionBody[] {
  if (!r) return [];
  const bodies: FunctionBody[] = [];
  for (let n = r.u('function body count'); n > 0; n--) {
    const size = r.u('function body size');
    const end = r.pos + size;
    let locals = 0;
    for (let groups = r.u('local group count'); groups > 0; groups--) {
      locals += r.u('local count');
      r.byte('local type');
    }
    if (end > r.end) throw new MalformedWasm('function body runs past its section', r.pos);
    r.pos = end;
    bodies.push({ bytes: size, locals });
  }
  return bodies;
}

/** Counts for a module V8 accepts; throws MalformedWasm on bytes it could not have accepted. */
export function readCounts(bytes: Uint8Array, layout: ModuleLayout): ModuleCounts {
  const importsOf = (kind: string) => layout.imports.filter((i) => i.kind === kind).length;
  return {
    ...readTypes(sectionReader(bytes, layout, SECTION.type)),
    functions: importsOf('function') + countOf(bytes, layout, SECTION.function, 'function count'),
    globals: importsOf('global') + countOf(bytes, layout, SECTION.global, 'global count'),
    imports: layout.imports.length,
    exports: layout.exports.length,
    tables: layout.tables.length,
    elementSegments: layout.elements.length,
    elementEntries: layout.elements.reduce((n, e) => n + e.count, 0),
    bodies: readBodies(sectionReader(bytes, layout, SECTION.code)),
  };
}
