// Deploy-time rules on a module's memories, tables, data segments and imports: one readable reason per violation.

import { abiProblems, detectAbi, ENTRY_EXPORTS, type ImportDesc } from '../abi/detect.js';
import { FUEL_EXPORT, RUNTIME_MODULE } from './fuel-contract.js';
import type { AbiName } from '../abi/types.js';
import type { Limits, ModuleLayout } from './layout.js';

export const PAGE_BYTES = 65536;
/** Wasm32 can address at most 65536 pages (4 GiB). */
const MAX_PAGES_32 = 65536;
const PAGES_PER_MB = 16;

export function capPages(memoryMb: number): number {
  return Math.min(Math.floor(memoryMb * PAGES_PER_MB), MAX_PAGES_32);
}

export interface LimitRules {
  memoryMb: number;
  /** Over all of a module's tables. */
  maxTableElements: number;
  abi?: AbiName;
}

export interface MemoryDecl {
  limits: Limits;
  imported: boolean;
}

/** The module's memories in index order: imported first, then defined. */
export function memoryDecls(layout: ModuleLayout): MemoryDecl[] {
  return [
    ...layout.imports.filter((i) => i.kind === 'memory' && i.limits).map((i) => ({ limits: i.limits!, imported: true })),
    ...layout.memories.map((limits) => ({ limits, imported: false })),
  ];
}

/** Reasons that also explain why V8 refused the module (features Node 20 does not ship), so its own message adds nothing. */
export function unsupportedFeatureProblems(layout: ModuleLayout): string[] {
  const problems: string[] = [];
  const memories = memoryDecls(layout);
  if (memories.length > 1) problems.push(`the module has ${memories.length} memories; at most one is allowed`);
  memories.forEach((m, i) => {
    if (m.limits.memory64) problems.push(`memory ${i} is a 64-bit memory (memory64), which is not supported`);
  });
  return problems;
}

function memoryProblems(layout: ModuleLayout, memoryMb: number): string[] {
  const problems: string[] = [];
  const cap = capPages(memoryMb);
  memoryDecls(layout).forEach((m, i) => {
    if (m.limits.shared) problems.push(`memory ${i} is a shared memory, which is not supported`);
    if (m.limits.initial > cap) {
      problems.push(`memory ${i} starts at ${m.limits.initial} pages (${m.limits.initial / PAGES_PER_MB} MiB), above the function's memory limit of ${memoryMb} MiB (${cap} pages)`);
    }
  });
  return problems;
}

/**
 * Initial sizes are allocated at every instantiation, so together they must fit within the cap; maxima are not a
 * problem: the rewrite lowers them to fit (see table-limits.ts).
 */
function tableProblems(layout: ModuleLayout, maxElements: number): string[] {
  const initials = layout.tables.map((t) => t.limits.initial);
  const total = initials.reduce((n, x) => n + x, 0);
  if (total <= maxElements) return [];
  if (initials.length === 1) return [`table 0 declares ${total} elements, above the limit of ${maxElements} elements`];
  return [`the ${initials.length} tables declare ${total} elements in total, above the limit of ${maxElements} elements`];
}

function dataProblems(layout: ModuleLayout): string[] {
  const memory = memoryDecls(layout)[0];
  if (!memory) return [];
  const sizeBytes = memory.limits.initial * PAGE_BYTES;
  const problems: string[] = [];
  layout.data.forEach((d, i) => {
    if (!d.active || d.memoryIndex !== 0 || d.offset === null) return;
    if (d.offset + d.length > sizeBytes) {
      problems.push(`data segment ${i} (bytes ${d.offset}..${d.offset + d.length}) lies outside the initial memory of ${sizeBytes} bytes`);
    }
  });
  return problems;
}

function elementProblems(layout: ModuleLayout): string[] {
  const problems: string[] = [];
  layout.elements.forEach((e, i) => {
    const table = layout.tables[e.tableIndex];
    if (!e.active || !table || e.offset === null) return;
    if (e.offset + e.count > table.limits.initial) {
      problems.push(`element segment ${i} (elements ${e.offset}..${e.offset + e.count}) lies outside the initial size of table ${e.tableIndex} (${table.limits.initial} elements)`);
    }
  });
  return problems;
}

export interface AbiVerdict {
  abi: AbiName | null;
  problems: string[];
}

function importDescs(layout: ModuleLayout): ImportDesc[] {
  return layout.imports.map(({ module, name, kind }) => ({ module, name, kind }));
}

/** The exports an ABI calls must be functions: a global or memory under that name would fail every call. */
function entryKindProblems(layout: ModuleLayout, abi: AbiName): string[] {
  return layout.exports
    .filter((e) => ENTRY_EXPORTS[abi].includes(e.name) && e.kind !== 'function')
    .map((e) => `export "${e.name}" is a ${e.kind}; the ${abi} ABI calls it, so it must be a function`);
}

/** The ABI the module runs under and the reasons it cannot; imports from the reserved runtime module get their own reason. */
export function abiVerdict(layout: ModuleLayout, forced: AbiName | undefined): AbiVerdict {
  const all = importDescs(layout);
  const reserved = all.filter((i) => i.module === RUNTIME_MODULE);
  const imports = all.filter((i) => i.module !== RUNTIME_MODULE);
  const exports = layout.exports.map((e) => e.name);
  const problems = reserved.map((i) => `import "${i.module}"."${i.name}" uses the module name "${RUNTIME_MODULE}", which is reserved for wasmfn`);
  if (exports.includes(FUEL_EXPORT)) problems.push(`export "${FUEL_EXPORT}" is reserved for wasmfn`);
  const abi = forced ?? detectAbi(imports, exports);
  if (abi === null) {
    problems.push('no supported ABI detected: export "handle" (sdk, or loader with the runtime exported) or "_start" (wagi)');
  } else {
    problems.push(...abiProblems(abi, imports, exports));
    problems.push(...entryKindProblems(layout, abi));
  }
  return { abi, problems };
}

/** Every rule the module breaks, apart from the ABI (see abiVerdict) and unsupported features. */
export function limitProblems(layout: ModuleLayout, rules: LimitRules): string[] {
  return [
    ...memoryProblems(layout, rules.memoryMb),
    ...tableProblems(layout, rules.maxTableElements),
    ...dataProblems(layout),
    ...elementProblems(layout),
  ];
}
