// Where fuel is charged and how much: the metering regions of every function and their static costs.
//
// See fuel.ts for what a unit is. Regions: a function's entry region (its body), each loop body, and each
// if-arm, which by default is merged into the region around it (charged upfront there). A function whose
// entry region (with its merged arms) only calls functions settled before it has no check of its own: its
// callers add its entry cost to the region making the call ("paid by caller"). An arm on such an entry path
// that calls anything not yet settled stays a region of its own, charged when entered. Functions that can
// be called indirectly always charge their own entry. This keeps the global update off small hot functions
// (recursive fib pays once per inner call, in the arm that recurses, instead of on every call) while
// every cycle of calls still passes a charged region, as does every loop iteration.

import binaryen from 'binaryen';
import { CALL_ID, CALL_INDIRECT_ID, IF_ID, LOOP_ID, MEMORY_COPY_ID, MEMORY_FILL_ID, MEMORY_GROW_ID, MEMORY_INIT_ID, REF_FUNC_ID, walk, type Slot } from './binaryen-tree.js';

/** Above this entry cost a function charges its own entry: one global update is then noise. */
export const PAID_BY_CALLER_MAX_COST = 1000;

export interface Region {
  kind: 'entry' | 'loop' | 'arm';
  /** Expressions in the region itself (a nested loop or if counts 1 here; its inside is its own region). */
  own: number;
  /** Direct calls to functions defined in the module, made from the region itself. */
  callees: string[];
  /** If-arms directly inside this region, which may be merged into it. */
  arms: Region[];
  /** The Loop (loop regions) or the If (arm regions); 0 for entry regions. */
  head: number;
  armField?: 'IfTrue' | 'IfFalse';
  /** The nearest loop around this region (for a loop: around the loop itself). */
  enclosingLoop: Region | null;
  /** Loops only: no call and no loop anywhere inside, so nothing else touches the fuel global during it. */
  leaf: boolean;
  /** Loops only: where the loop sits, to wrap it. */
  slot: Slot | null;
}

export interface FunctionFacts {
  name: string;
  func: number;
  entry: Region;
  loops: Region[];
  /** Every arm in the function, parents before children. */
  arms: Region[];
  grows: { expr: number; slot: Slot | null }[];
  /** memory.fill, memory.copy and memory.init: replaced by helpers that charge their length. */
  bulk: { expr: number; id: number; slot: Slot | null }[];
  refFuncs: string[];
}

function region(kind: Region['kind'], head: number, outer: Region | null, armField?: Region['armField']): Region {
  const enclosingLoop = outer ? nearestLoop(outer) : null;
  return { kind, own: 0, callees: [], arms: [], head, enclosingLoop, leaf: true, slot: null, ...(armField ? { armField } : {}) };
}

function nearestLoop(r: Region): Region | null {
  return r.kind === 'loop' ? r : r.enclosingLoop;
}

/** Walks one function body; `needsFlatten` if it holds an instruction only walkable after `flatten`. */
export function analyzeFunction(func: number, imported: ReadonlySet<string>, allowOpaque: boolean): FunctionFacts | null {
  const info = binaryen.getFunctionInfo(func);
  const facts: FunctionFacts = { name: info.name, func, entry: region('entry', 0, null), loops: [], arms: [], grows: [], bulk: [], refFuncs: [] };
  const result = walk<Region>(info.body, facts.entry, allowOpaque, (expr, id, slot, outer) => {
    let r = outer;
    if (slot && slot.parentId === IF_ID && slot.index < 0) {
      const field = slot.access.field;
      if (field === 'IfTrue' || field === 'IfFalse') {
        r = region('arm', slot.parent, outer, field);
        outer.arms.push(r);
        facts.arms.push(r);
      }
    }
    r.own++;
    const around = nearestLoop(r);
    const bulk = id === MEMORY_FILL_ID || id === MEMORY_COPY_ID || id === MEMORY_INIT_ID;
    // Grows and bulk operations become calls to helpers that charge the counter themselves.
    if (around && (id === CALL_ID || id === CALL_INDIRECT_ID || id === LOOP_ID || id === MEMORY_GROW_ID || bulk)) around.leaf = false;
    if (bulk) facts.bulk.push({ expr, id, slot });
    if (id === CALL_ID) {
      const target = (binaryen.getExpressionInfo(expr) as binaryen.CallInfo).target;
      if (!imported.has(target)) r.callees.push(target);
    } else if (id === REF_FUNC_ID) facts.refFuncs.push((binaryen.getExpressionInfo(expr) as binaryen.RefFuncInfo).func);
    else if (id === MEMORY_GROW_ID) facts.grows.push({ expr, slot });
    if (id !== LOOP_ID) return r;
    const loop = region('loop', expr, r);
    loop.slot = slot;
    facts.loops.push(loop);
    return loop;
  });
  return result.needsFlatten ? null : facts;
}

export interface ChargePlan {
  /** Entry cost of each function whose callers pay for its entry region. */
  paidByCaller: Map<string, number>;
  /** Cost to charge on entry to each charged region. */
  charged: Map<Region, number>;
}

/** Expressions of `r` plus the entry costs of caller-paid callees, without any arm. */
function ownCost(r: Region, paid: ReadonlyMap<string, number>): number {
  let c = r.own;
  for (const callee of r.callees) c += paid.get(callee) ?? 0;
  return c;
}

/**
 * Entry cost of `f` if its callers can pay it now, and the arms on its entry path that must stay charged
 * (they call functions not yet settled: merging them could make the cost depend on itself).
 */
function entryCost(f: FunctionFacts, paid: ReadonlyMap<string, number>, selfCharged: ReadonlySet<string>) {
  const settled = (r: Region) => r.callees.every((c) => paid.has(c) || selfCharged.has(c));
  if (selfCharged.has(f.name) || !settled(f.entry)) return null;
  const cost = new Map<Region, number>();
  const of = (r: Region) => r.arms.reduce((c, a) => (settled(a) ? c + cost.get(a)! : c), ownCost(r, paid));
  for (let i = f.arms.length - 1; i >= 0; i--) cost.set(f.arms[i]!, of(f.arms[i]!));
  const separate = new Set<Region>();
  const todo = [...f.entry.arms];
  for (let a = todo.pop(); a; a = todo.pop()) {
    if (settled(a)) todo.push(...a.arms);
    else separate.add(a);
  }
  const e = of(f.entry);
  return e <= PAID_BY_CALLER_MAX_COST ? { cost: e, separate } : null;
}

/** Cost of a charged region with everything below it merged in (loops aside, which charge themselves). */
function mergedCost(r: Region, paid: ReadonlyMap<string, number>): number {
  let c = 0;
  const todo = [r];
  for (let x = todo.pop(); x; x = todo.pop()) {
    c += ownCost(x, paid);
    todo.push(...x.arms);
  }
  return Math.max(1, c);
}

/**
 * Decides which regions are charged. A function's entry is paid by its callers when its entry region only
 * calls functions settled before it (or that charge themselves); functions are settled one at a time, so
 * these costs never depend on themselves, and arms that call anything else stay charged on their own.
 */
export function planCharges(fns: FunctionFacts[], indirectTargets: ReadonlySet<string>): ChargePlan {
  const callers = new Map<string, Set<FunctionFacts>>();
  for (const f of fns) {
    for (const r of [f.entry, ...f.arms]) {
      for (const c of r.callees) {
        const set = callers.get(c) ?? new Set<FunctionFacts>();
        callers.set(c, set.add(f));
      }
    }
  }
  const paid = new Map<string, number>();
  const separateArms = new Set<Region>();
  // A function is looked at again whenever one of its callees settles; settling order is deterministic.
  const queue = [...fns];
  for (let i = 0; i < queue.length; i++) {
    const f = queue[i]!;
    if (paid.has(f.name)) continue;
    const e = entryCost(f, paid, indirectTargets);
    if (!e) continue;
    paid.set(f.name, e.cost);
    for (const a of e.separate) separateArms.add(a);
    queue.push(...(callers.get(f.name) ?? []));
  }
  const charged = new Map<Region, number>();
  for (const f of fns) {
    if (!paid.has(f.name)) charged.set(f.entry, mergedCost(f.entry, paid));
    for (const loop of f.loops) charged.set(loop, mergedCost(loop, paid));
  }
  for (const a of separateArms) charged.set(a, mergedCost(a, paid));
  return { paidByCaller: paid, charged };
}
