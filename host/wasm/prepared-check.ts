// Whether a module prepared earlier (by an older wasmfn, or under a higher table cap) breaks today's rules and must
// be prepared again from its original: a table without a maximum would let one request kill the host.

import { MalformedWasm } from './byte-reader.js';
import { headerProblem, readLayout } from './layout.js';
import { capProblems, REWRITE_ADDS } from './module-caps.js';
import { readCounts, type ModuleCounts } from './module-counts.js';
import { tablesWithinCap } from './table-limits.js';

/** The counts of the module before the rewrite added its imports, globals, export and function. */
function original(counts: ModuleCounts): ModuleCounts {
  const less = (n: number, k: keyof typeof REWRITE_ADDS) => Math.max(0, n - REWRITE_ADDS[k]);
  return { ...counts, imports: less(counts.imports, 'imports'), globals: less(counts.globals, 'globals'), exports: less(counts.exports, 'exports'), functions: less(counts.functions, 'functions') };
}

/** False for bytes that are not a readable module at all: compiling them reports that, as it always has. */
export function needsPreparingAgain(prepared: Uint8Array, maxTableElements: number): boolean {
  if (headerProblem(prepared)) return false;
  try {
    const layout = readLayout(prepared);
    return !tablesWithinCap(layout.tables, maxTableElements) || capProblems(original(readCounts(prepared, layout))).length > 0;
  } catch (e) {
    if (e instanceof MalformedWasm) return false;
    throw e;
  }
}
