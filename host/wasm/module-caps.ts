// Caps on how many of each thing a module may declare, and V8's own limits that the rewrite must stay within.
//
// V8 builds what a module declares (tables, globals, exports, imports, element segments) at every instantiation,
// and instantiation cannot be interrupted: a worker terminated at a call's deadline finishes it first, holding its
// memory until then. Binaryen, at deploy, holds every type and function in its own heap, which never shrinks and
// keeps interned types for the thread's lifetime. Each cap below is far above what toolchains emit and keeps one
// instantiation to a few milliseconds and megabytes.

import type { ModuleLayout } from './layout.js';
import type { ModuleCounts } from './module-counts.js';

/** V8's limits (src/wasm/wasm-limits.h): it refuses a module past any of them. */
export const V8_LIMITS = {
  types: 1_000_000,
  functions: 1_000_000,
  imports: 100_000,
  exports: 100_000,
  globals: 1_000_000,
  tables: 100_000,
  functionBodyBytes: 7_654_321,
  locals: 50_000,
} as const;

/** What the deploy-time rewrite adds (see fuel.ts): env.memory and three runtime globals, the counter and its export, the grow helper. */
export const REWRITE_ADDS = { imports: 4, globals: 4, exports: 1, functions: 1 } as const;

type Capped = Exclude<keyof ModuleCounts, 'bodies'>;

/** Per module; the table elements cap is the host option maxTableElements (see limits-check.ts). */
export const MODULE_CAPS: Record<Capped, number> = {
  types: 10_000,
  typeArity: 100_000,
  functions: Math.min(100_000, V8_LIMITS.functions - REWRITE_ADDS.functions),
  globals: Math.min(100_000, V8_LIMITS.globals - REWRITE_ADDS.globals),
  imports: Math.min(10_000, V8_LIMITS.imports - REWRITE_ADDS.imports),
  exports: Math.min(10_000, V8_LIMITS.exports - REWRITE_ADDS.exports),
  tables: 100,
  elementSegments: 10_000,
  elementEntries: 1_000_000,
};

const WHAT: Record<Capped, string> = {
  types: 'function types',
  typeArity: 'parameters and results over all function types',
  functions: 'functions (imported and defined)',
  globals: 'globals (imported and defined)',
  imports: 'imports',
  exports: 'exports',
  tables: 'tables',
  elementSegments: 'element segments',
  elementEntries: 'entries over all element segments',
};

/** Import and export names are stored with the version and shown by the API and the CLI. */
export const MAX_NAME_BYTES = 1024;

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

/** One reason per import or export name longer than MAX_NAME_BYTES (the name itself is not repeated). */
export function nameProblems(layout: ModuleLayout): string[] {
  const problems: string[] = [];
  const check = (what: string, name: string) => {
    const n = utf8Bytes(name);
    if (n > MAX_NAME_BYTES) problems.push(`${what} has a name of ${n} bytes, above the limit of ${MAX_NAME_BYTES}`);
  };
  layout.imports.forEach((i, k) => {
    check(`import ${k} (module name)`, i.module);
    check(`import ${k}`, i.name);
  });
  layout.exports.forEach((e, k) => check(`export ${k}`, e.name));
  return problems;
}

/** One reason per count above its cap. */
export function capProblems(counts: ModuleCounts): string[] {
  return (Object.keys(MODULE_CAPS) as Capped[])
    .filter((k) => counts[k] > MODULE_CAPS[k])
    .map((k) => `the module declares ${counts[k]} ${WHAT[k]}, above the limit of ${MODULE_CAPS[k]}`);
}

/**
 * Reasons the rewritten module would exceed V8's limits: fuel checks make bodies longer and Binaryen's flattening
 * adds locals, so a body within the limits before can cross them after. Counts are covered by the caps above.
 */
export function engineLimitProblems(counts: ModuleCounts): string[] {
  const problems: string[] = [];
  const firstDefined = counts.functions - counts.bodies.length;
  counts.bodies.forEach((b, i) => {
    const fn = `function ${firstDefined + i}`;
    if (b.bytes > V8_LIMITS.functionBodyBytes) {
      problems.push(`${fn} is ${b.bytes} bytes once instrumented for fuel metering, above V8's limit of ${V8_LIMITS.functionBodyBytes}`);
    }
    if (b.locals > V8_LIMITS.locals) {
      problems.push(`${fn} has ${b.locals} locals once instrumented for fuel metering, above V8's limit of ${V8_LIMITS.locals}`);
    }
  });
  return problems;
}
