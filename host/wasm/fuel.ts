// Deploy-time instrumentation with Binaryen: fuel metering and failed-grow detection.
//
// What the module gets: its own mutable i64 counter, initialised from the imported budget
// `wasmfn_rt.fuel_budget` (so it is set before a start function runs) and exported as `__wasmfn_fuel` for the
// sandbox to read after the call; the imported i32 flags `wasmfn_rt.fuel_out` (an exhausted check raises it
// before trapping, which also identifies a trap in a start function, whose instance never exists) and
// `wasmfn_rt.grow_failed`. The counter is the module's own because V8 reaches an imported mutable global
// through an extra indirection on every check, which on CPU-heavy code costs more than the instantiation an own
// counter adds (docs/design.md, "Fuel counter").
// Modules prepared before this imported the counter as `wasmfn_rt.fuel`; they are prepared again when the host
// loads them (prepared-check.ts).
//
// What one unit of fuel is: one Binaryen IR expression (every node: constants, local gets, operators,
// blocks, calls...), roughly one wasm instruction. Costs are static and charged upfront, before the code
// runs, so a path is charged for code it then skips (untaken branches merged into their region).
// Where it is charged (fuel-plan.ts has the rules):
//   - at the top of every loop iteration: the loop body's cost;
//   - at function entry: the body's cost, for functions that are recursive without a branch, indirectly
//     callable, bigger than PAID_BY_CALLER_MAX_COST or calling such functions outside an if-arm;
//   - otherwise the function has no check: each region calling it adds its entry cost to its own, and an
//     if-arm of it that recurses (or calls something not yet costed) is charged when entered.
//   If-arms are otherwise merged into the surrounding region. A nested loop or if costs 1 in the surrounding
//   region; a call to an imported (host) function costs 1 (host work is bounded by the wall-clock timeout).
//   A call from the host into an export whose entry is paid by callers is not charged that entry (at most
//   PAID_BY_CALLER_MAX_COST units); everything else is. Every backward jump reaches a loop header and every
//   cycle of calls passes a charged region, so unbounded execution always pays.
// The check is `fuel -= cost; if (fuel < 0) { fuel_out = 1; unreachable }`: a budget of N runs code costing up
// to N.
//
// memory.grow: every occurrence becomes a call to an added function that grows memory 0 and sets
// grow_failed to 1 when the result is -1, so the sandbox can report memory_limit rather than a bare trap; a
// grow that succeeds charges by the pages it added. memory.fill/copy/init charge their length (fuel-bulk.ts).

import binaryen from 'binaryen';
import { FUEL_EXPORT, RUNTIME_IMPORTS, RUNTIME_MODULE } from './fuel-contract.js';
import { REF_FUNC_ID, replaceChild, UnsupportedExpression } from './binaryen-tree.js';
import { addGrowHelper, cachedFuelCheck, fuelCheck, prefixed, type FuelNames } from './fuel-code.js';
import { BulkHelpers, GROW_UNITS_PER_PAGE } from './fuel-bulk.js';
import { analyzeFunction, planCharges, type ChargePlan, type FunctionFacts, type Region } from './fuel-plan.js';


const F = binaryen.Features;
/**
 * What Node 20 (V8 11.3) ships and real toolchains emit. Not Features.All: Binaryen would then write
 * encodings (GC type sections and the like) that Node 20 rejects.
 */
export const BINARYEN_FEATURES =
  F.MVP | F.MutableGlobals | F.NontrappingFPToInt | F.SIMD128 | F.BulkMemory | F.SignExt |
  F.ExceptionHandling | F.TailCall | F.ReferenceTypes | F.Multivalue | F.Atomics;

type RawFn = (...args: number[]) => number;
type RawName =
  | `_Binaryen${'Function' | 'Loop'}${'Get' | 'Set'}Body`
  | `_BinaryenIf${'Get' | 'Set'}${'IfTrue' | 'IfFalse'}`
  | '_BinaryenMemoryGrowGetDelta'
  | '_BinaryenFunctionAddVar';
const raw = binaryen as unknown as Record<RawName, RawFn>;

interface Names extends FuelNames {
  budget: string;
  growFailed: string;
  /** Absent when the module has no memory (so no memory.grow either). */
  grow?: string;
}

function uniqueName(base: string, taken: (name: string) => boolean): string {
  let name = base;
  for (let i = 1; taken(name); i++) name = `${base}_${i}`;
  return name;
}

function analyze(func: number, imported: ReadonlySet<string>, m: binaryen.Module): FunctionFacts {
  const facts = analyzeFunction(func, imported, false);
  if (facts) return facts;
  m.runPassesOnFunction(func, ['flatten']);
  return analyzeFunction(func, imported, true)!;
}

const isPassive = (binaryen as unknown as Record<string, (segment: number) => number>)._BinaryenElementSegmentIsPassive!;

/** Functions a table, a global or ref.func can hand to call_indirect: they must charge their own entry. */
function indirectTargets(m: binaryen.Module, fns: FunctionFacts[]): Set<string> {
  const targets = new Set(fns.flatMap((f) => f.refFuncs));
  for (let i = 0; i < m.getNumElementSegments(); i++) {
    const segment = m.getElementSegmentByIndex(i);
    // getElementSegmentInfo reads the offset, which aborts Binaryen for a passive segment (it has none). Its
    // functions can reach a table through table.init, so every function is treated as an indirect target.
    if (isPassive(segment)) return new Set(fns.map((f) => f.name));
    for (const name of binaryen.getElementSegmentInfo(segment).data) targets.add(name);
  }
  for (let i = 0; i < m.getNumGlobals(); i++) {
    const init = binaryen.getGlobalInfo(m.getGlobalByIndex(i)).init;
    if (init && binaryen.getExpressionId(init) === REF_FUNC_ID) {
      targets.add((binaryen.getExpressionInfo(init) as binaryen.RefFuncInfo).func);
    }
  }
  return targets;
}

function replaceGrows(m: binaryen.Module, f: FunctionFacts, grow: string | undefined): void {
  // Innermost first: a grow nested in another grow's operand is replaced inside that operand before it moves.
  for (const { expr, slot } of [...f.grows].reverse()) {
    if (!grow) throw new Error('memory.grow in a module without memory');
    const call = m.call(grow, [raw._BinaryenMemoryGrowGetDelta(expr)], binaryen.i32);
    if (slot) replaceChild(slot, call);
    else raw._BinaryenFunctionSetBody(f.func, call);
  }
}

/**
 * Leaf loops (no call, no loop inside) load the global into a local once before the loop; each iteration
 * then charges the local and stores it, which keeps the memory round trip off the loop's critical path.
 * Nothing else can change the global while such a loop runs, so global and local stay equal throughout.
 */
function cacheLeafLoops(m: binaryen.Module, f: FunctionFacts, fuel: string): Map<Region, number> {
  const locals = new Map<Region, number>();
  const leaves = f.loops.filter((l) => l.leaf);
  if (leaves.length === 0) return locals;
  const local = raw._BinaryenFunctionAddVar(f.func, binaryen.i64);
  for (const loop of leaves) {
    const wrapped = m.block(null, [m.local.set(local, m.global.get(fuel, binaryen.i64)), loop.head], binaryen.auto);
    if (loop.slot) replaceChild(loop.slot, wrapped);
    else raw._BinaryenFunctionSetBody(f.func, wrapped);
    locals.set(loop, local);
  }
  return locals;
}

/**
 * Order matters: leaf loops are wrapped in their parents before grows are replaced (a grow may be that
 * parent), and checks are prefixed last, each reading the child as it is by then.
 */
function instrumentFunction(m: binaryen.Module, f: FunctionFacts, plan: ChargePlan, names: Names, bulk: BulkHelpers): void {
  const locals = cacheLeafLoops(m, f, names.fuel);
  replaceGrows(m, f, names.grow);
  // Innermost first, as for grows; a grow in an operand was replaced in place and moves with it.
  for (const site of [...f.bulk].reverse()) bulk.replace(f, site);
  const check = (r: Region) => {
    const local = locals.get(r);
    const cost = plan.charged.get(r)!;
    return local === undefined ? fuelCheck(m, names, cost) : cachedFuelCheck(m, names, local, cost);
  };
  for (const loop of f.loops) raw._BinaryenLoopSetBody(loop.head, prefixed(m, check(loop), raw._BinaryenLoopGetBody(loop.head)));
  for (const arm of f.arms) {
    if (!plan.charged.has(arm)) continue;
    const get = arm.armField === 'IfTrue' ? raw._BinaryenIfGetIfTrue : raw._BinaryenIfGetIfFalse;
    const set = arm.armField === 'IfTrue' ? raw._BinaryenIfSetIfTrue : raw._BinaryenIfSetIfFalse;
    set(arm.head, prefixed(m, check(arm), get(arm.head)));
  }
  if (plan.charged.has(f.entry)) raw._BinaryenFunctionSetBody(f.func, prefixed(m, check(f.entry), raw._BinaryenFunctionGetBody(f.func)));
}

/**
 * Set once Binaryen has thrown on this thread. Its heap is then suspect for good: a failed parse keeps its copy
 * of the input and whatever it had built, and the heap never shrinks, so failures pile up until every later
 * module fails inside Binaryen too. The thread should be replaced.
 */
let binaryenFailed = false;

export function binaryenHasFailed(): boolean {
  return binaryenFailed;
}

/**
 * Returns the module metered and with grow detection. `bytes` must already be valid for V8 (Binaryen can
 * abort on garbage). Throws UnsupportedExpression for instructions it cannot walk, Error for Binaryen failures.
 * `first` edits the module before it is metered, in the same pass through Binaryen.
 */
export function instrumentModule(bytes: Uint8Array, first?: (m: binaryen.Module) => void): Uint8Array {
  try {
    return instrumentWithBinaryen(bytes, first);
  } catch (e) {
    // Our walker's refusal comes before anything is left half-done in Binaryen (the module is disposed).
    if (!(e instanceof UnsupportedExpression)) binaryenFailed = true;
    throw e;
  }
}

function instrumentWithBinaryen(bytes: Uint8Array, first?: (m: binaryen.Module) => void): Uint8Array {
  // index.d.ts omits readBinary's second (features) parameter.
  const readBinary = binaryen.readBinary as (data: Uint8Array, features: binaryen.Features) => binaryen.Module;
  const m = readBinary(bytes, BINARYEN_FEATURES);
  try {
    first?.(m);
    const hasGlobal = (n: string) => m.getGlobal(n) !== 0;
    const hasFunction = (n: string) => m.getFunction(n) !== 0;
    const names: Names = {
      fuel: uniqueName('wasmfn.fuel', hasGlobal),
      budget: uniqueName(`${RUNTIME_MODULE}.${RUNTIME_IMPORTS.budget}`, hasGlobal),
      fuelOut: uniqueName(`${RUNTIME_MODULE}.${RUNTIME_IMPORTS.fuelOut}`, hasGlobal),
      growFailed: uniqueName(`${RUNTIME_MODULE}.${RUNTIME_IMPORTS.growFailed}`, hasGlobal),
    };
    m.addGlobalImport(names.budget, RUNTIME_MODULE, RUNTIME_IMPORTS.budget, binaryen.i64, false);
    m.addGlobalImport(names.fuelOut, RUNTIME_MODULE, RUNTIME_IMPORTS.fuelOut, binaryen.i32, true);
    m.addGlobalImport(names.growFailed, RUNTIME_MODULE, RUNTIME_IMPORTS.growFailed, binaryen.i32, true);
    m.addGlobal(names.fuel, binaryen.i64, true, m.global.get(names.budget, binaryen.i64));
    m.addGlobalExport(names.fuel, FUEL_EXPORT);
    if (m.hasMemory()) names.grow = uniqueName(`${RUNTIME_MODULE}.grow`, hasFunction);
    const imported = new Set<string>();
    const defined: number[] = [];
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const func = m.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(func);
      if (info.module) imported.add(info.name);
      else defined.push(func);
    }
    const fns = defined.map((func) => analyze(func, imported, m));
    const plan = planCharges(fns, indirectTargets(m, fns));
    // Helpers are added while instrumenting, after the plan: they are not metered themselves (straight-line and
    // tiny, charging what they do on their own).
    const bulk = new BulkHelpers(m, names, (base) => uniqueName(base, hasFunction));
    for (const f of fns) instrumentFunction(m, f, plan, names, bulk);
    if (names.grow) addGrowHelper(m, { ...names, grow: names.grow }, GROW_UNITS_PER_PAGE);
    // Keep the name section so guest stack traces stay readable; the flag is process-wide (asc uses it too).
    const debugInfo = binaryen.getDebugInfo();
    binaryen.setDebugInfo(true);
    try {
      return m.emitBinary();
    } finally {
      binaryen.setDebugInfo(debugInfo);
    }
  } finally {
    m.dispose();
  }
}
