// Whether a module prepared earlier (by an older wasmfn, or under a higher table cap) breaks today's rules or
// contract and must be prepared again from its original: a table without a maximum would let one request kill the
// host, a name of megabytes would be copied into every frame of a trap, and a runtime import the sandbox no longer
// supplies (the fuel counter itself, `wasmfn_rt.fuel`, which modules kept outside themselves before) would not link,
// and an export the sandbox calls that an older deploy dropped could not be called.

import { MalformedWasm } from './byte-reader.js';
import { namesWithinBounds } from './custom-sections.js';
import { FUEL_EXPORT, RUNTIME_IMPORTS, RUNTIME_MODULE } from './fuel-contract.js';
import { headerProblem, readLayout, type ModuleLayout } from './layout.js';
import { capProblems, REWRITE_ADDS } from './module-caps.js';
import { readCounts, type ModuleCounts } from './module-counts.js';
import { tablesWithinCap } from './table-limits.js';

/** The counts of the module before the rewrite added its imports, globals, export and function. */
function original(counts: ModuleCounts): ModuleCounts {
  const less = (n: number, k: keyof typeof REWRITE_ADDS) => Math.max(0, n - REWRITE_ADDS[k]);
  return { ...counts, imports: less(counts.imports, 'imports'), globals: less(counts.globals, 'globals'), exports: less(counts.exports, 'exports'), functions: less(counts.functions, 'functions') };
}

const RUNTIME_NAMES: ReadonlySet<string> = new Set(Object.values(RUNTIME_IMPORTS));

/** Metered under another contract: an import from RUNTIME_MODULE that is not today's, or no counter exported. */
function olderRuntime(layout: ModuleLayout): boolean {
  const runtime = layout.imports.filter((i) => i.module === RUNTIME_MODULE);
  if (runtime.length === 0) return false;
  return runtime.some((i) => !RUNTIME_NAMES.has(i.name)) || !layout.exports.some((e) => e.name === FUEL_EXPORT);
}

/**
 * False for bytes that are not a readable module at all: compiling them reports that, as it always has. `calls` are
 * the exports the sandbox reads from this module (its ABI's CALLED_EXPORTS that the original has): one missing
 * means it was prepared when the deploy kept fewer exports than the ABI now calls.
 */
export function needsPreparingAgain(prepared: Uint8Array, maxTableElements: number, calls: readonly string[] = []): boolean {
  if (headerProblem(prepared)) return false;
  try {
    const layout = readLayout(prepared);
    return !tablesWithinCap(layout.tables, maxTableElements) || olderRuntime(layout) || !namesWithinBounds(prepared, layout)
      || capProblems(original(readCounts(prepared, layout))).length > 0
      || calls.some((name) => !layout.exports.some((e) => e.name === name));
  } catch (e) {
    if (e instanceof MalformedWasm) return false;
    throw e;
  }
}
