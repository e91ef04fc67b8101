// Deploy-time pipeline for an uploaded module: validate, check against limits, import its memory, meter it.

import type { AbiName } from '../abi/types.js';
import { WasmfnError } from '../errors.js';
import { escapeControl } from '../control-chars.js';
import { UnsupportedExpression } from './binaryen-tree.js';
import { MalformedWasm } from './byte-reader.js';
import { instrumentModule } from './fuel.js';
import { CALLED_EXPORTS } from '../abi/detect.js';
import { keepOnlyExports, foldConstantStart, withoutStart } from './instance-shape.js';
import { headerProblem, readLayout, type ModuleLayout } from './layout.js';
import { abiVerdict, capPages, limitProblems, memoryDecls, unsupportedFeatureProblems } from './limits-check.js';
import { importMemory } from './memory-import.js';
import { mergeDataSegments } from './data-merge.js';
import { keepBoundedNames } from './custom-sections.js';
import { capProblems, engineLimitProblems, nameProblems } from './module-caps.js';
import { readCounts, type ModuleCounts } from './module-counts.js';
import { capTableMaxima, planTableMaxima, tablesWithinCap } from './table-limits.js';

export interface PrepareOptions {
  /** The function's memory cap; the rewritten import gets maximum = memoryMb * 16 pages. */
  memoryMb: number;
  /** Instrument for fuel metering and failed-grow detection (always in production; off only for benchmarks). */
  fuel: boolean;
  /** ABI forced by the deploy config; otherwise detected from imports and exports. */
  abi?: AbiName;
  /** Cap on the elements of all the module's tables together (initial sizes, and the maxima they are given); default 100_000. */
  maxTableElements: number;
  /**
   * Keep every export. By default an instrumented module keeps only those its ABI calls (CALLED_EXPORTS), which makes
   * each instantiation cheaper; tools that call a module's other exports (the instrumentation's tests, the limits
   * benchmark) keep them all.
   */
  keepAllExports?: boolean;
}

export interface PreparedModule {
  abi: AbiName;
  /** The rewritten module: every table with a maximum, custom sections but a bounded name section dropped, memory imported as env.memory; when instrumented, wasmfn_rt.fuel_budget, fuel_out and grow_failed imported and the counter exported as __wasmfn_fuel. */
  bytes: Uint8Array;
  /** Of the original module. */
  exports: string[];
  /** Of the original module. */
  imports: { module: string; name: string; kind: string }[];
  /** Limits of the imported env.memory; null if the module has no memory at all. */
  memory: { initialPages: number; maximumPages: number } | null;
  fuelInstrumented: boolean;
}

export const DEFAULT_MAX_TABLE_ELEMENTS = 100_000;

/** Enough reasons to fix a module by; a hostile one can have a reason per import or segment. */
const MAX_DETAILS = 100;

/** Problems quote the module's own names (imports, exports), which reach terminals: they are escaped. */
function invalid(problems: string[]): WasmfnError {
  const details = problems.map(escapeControl);
  const summary = details.length === 1 ? details[0]! : `${details.length} problems`;
  const shown = details.length > MAX_DETAILS ? [...details.slice(0, MAX_DETAILS), `... and ${details.length - MAX_DETAILS} more`] : details;
  return new WasmfnError('invalid_module', `the module cannot be deployed: ${summary}`, { details: shown });
}

/** V8's reason for refusing the bytes, or null if it compiles them. */
function v8Problem(bytes: Uint8Array): string | null {
  // V8 reads any view; the cast only quiets lib.dom's ArrayBuffer-only BufferSource.
  const source = bytes as Uint8Array<ArrayBuffer>;
  if (WebAssembly.validate(source)) return null;
  try {
    new WebAssembly.Module(source);
    return 'rejected by WebAssembly.validate';
  } catch (e) {
    return (e as Error).message.replace(/^WebAssembly\.Module\(\):\s*/, '');
  }
}

/** Counts for the caps; null when the module cannot be read that far (V8 has refused it then, with its reason). */
function countsOf(bytes: Uint8Array, layout: ModuleLayout): ModuleCounts | null {
  try {
    return readCounts(bytes, layout);
  } catch (e) {
    if (e instanceof MalformedWasm) return null;
    throw e;
  }
}

/** The module's ABI and every reason it cannot be deployed (none when it can). */
function check(bytes: Uint8Array, layout: ModuleLayout, opts: PrepareOptions): { abi: AbiName | null; details: string[]; counts: ModuleCounts | null } {
  const details = unsupportedFeatureProblems(layout);
  const v8 = v8Problem(bytes);
  // A module using a feature Node 20 does not ship fails V8 for that reason; its message would repeat ours.
  if (v8 && details.length === 0) details.push(`not valid WebAssembly: ${v8}`);
  const counts = v8 ? null : countsOf(bytes, layout);
  if (!v8 && !counts) details.push('could not read the module\'s type, function, global or code section');
  // Past a cap, the checks below would make a reason per import or segment, quoting names of any length: the caps
  // alone say enough.
  const capped = (counts ? capProblems(counts) : []).concat(nameProblems(layout));
  if (capped.length > 0) return { abi: null, details: details.concat(capped), counts };
  const verdict = abiVerdict(layout, opts.abi);
  return { abi: verdict.abi, details: details.concat(limitProblems(layout, opts), verdict.problems), counts };
}

function readOrReject(bytes: Uint8Array): ModuleLayout {
  const header = headerProblem(bytes);
  if (header) throw invalid([header]);
  try {
    return readLayout(bytes);
  } catch (e) {
    if (!(e instanceof MalformedWasm)) throw e;
    // V8's wording is the reference for invalid bytes; ours only if V8 somehow accepts them.
    const v8 = v8Problem(bytes);
    throw invalid([v8 ? `not valid WebAssembly: ${v8}` : `could not read the module: ${e.message}`]);
  }
}

function instrument(bytes: Uint8Array, keep: readonly string[] | null): Uint8Array {
  try {
    // While Binaryen holds the module anyway: cheaper to instantiate on every call (instance-shape.ts).
    let startFolded = false;
    const out = instrumentModule(bytes, (m) => {
      if (keep) keepOnlyExports(m, keep);
      startFolded = foldConstantStart(m);
    });
    return startFolded ? withoutStart(out) : out;
  } catch (e) {
    if (e instanceof UnsupportedExpression) throw invalid([e.message]);
    // Binaryen can abort with a value that is not an Error; the reason must still say something.
    const why = e instanceof Error ? e.message : 'Binaryen could not process it';
    throw invalid([`the module could not be instrumented for fuel metering: ${why}`]);
  }
}

/** Fewer data segments instantiate faster (see data-merge.ts); any doubt keeps the module as it is. */
function mergeData(bytes: Uint8Array): Uint8Array {
  try {
    const merged = mergeDataSegments(bytes, readLayout(bytes));
    return merged && v8Problem(merged) === null ? merged : bytes;
  } catch (e) {
    if (e instanceof MalformedWasm) return bytes;
    throw e;
  }
}

/** Every table gets a maximum, all of them together within the cap (see table-limits.ts). */
function capTables(bytes: Uint8Array, layout: ModuleLayout, maxTableElements: number): Uint8Array {
  if (layout.tables.length === 0) return bytes;
  return capTableMaxima(bytes, layout, planTableMaxima(layout.tables, maxTableElements));
}

/** What the rewrite produced must be a module V8 takes, within its limits and ours; a failure here is a module too big once instrumented, or our bug. */
function checkRewritten(out: Uint8Array, maxTableElements: number): void {
  const layout = readLayout(out);
  const counts = readCounts(out, layout);
  const tooBig = engineLimitProblems(counts);
  if (tooBig.length > 0) throw invalid(tooBig);
  const broken = v8Problem(out);
  if (broken) throw new WasmfnError('internal', 'preparing the module produced invalid WebAssembly', { details: [broken] });
  if (!tablesWithinCap(layout.tables, maxTableElements)) {
    throw new WasmfnError('internal', `preparing the module left tables that can grow past the limit of ${maxTableElements} elements`);
  }
}

/** Validates and rewrites an uploaded module. Throws WasmfnError('invalid_module') with one detail per problem. */
export function prepareModule(bytes: Uint8Array, opts: PrepareOptions): PreparedModule {
  if (!(opts.memoryMb > 0) || !(opts.maxTableElements >= 0)) {
    throw new WasmfnError('internal', 'prepareModule needs memoryMb > 0 and maxTableElements >= 0');
  }
  const layout = readOrReject(bytes);
  const { abi, details, counts } = check(bytes, layout, opts);
  if (details.length > 0 || abi === null || counts === null) throw invalid(details);

  // A new array even when nothing changes, so the result never aliases the caller's buffer.
  let out = keepBoundedNames(bytes, layout, counts.functions);
  out = capTables(out, readLayout(out), opts.maxTableElements);
  const decl = memoryDecls(layout)[0];
  let memory: PreparedModule['memory'] = null;
  if (decl) {
    const cap = capPages(opts.memoryMb);
    // Initial <= cap was checked; a declared maximum below the cap is kept (the guest asked for less).
    memory = { initialPages: decl.limits.initial, maximumPages: Math.min(decl.limits.maximum ?? cap, cap) };
    out = importMemory(out, readLayout(out), memory);
  }
  if (opts.fuel) out = instrument(out, opts.keepAllExports ? null : CALLED_EXPORTS[abi]);
  out = mergeData(out);
  checkRewritten(out, opts.maxTableElements);

  return {
    abi,
    bytes: out,
    exports: layout.exports.map((e) => e.name),
    imports: layout.imports.map(({ module, name, kind }) => ({ module, name, kind })),
    memory,
    fuelInstrumented: opts.fuel,
  };
}
