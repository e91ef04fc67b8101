// Generic child access for Binaryen IR: which children each expression kind has, read and replaced via the C API.
//
// binaryen.js has no generic child iterator, so the table below lists, for every expression kind a module
// valid in Node 20 can contain, its expression-valued fields (non-expression fields such as lane indices
// are left out on purpose). Accessors are looked up once at load and checked to exist.

import binaryen from 'binaryen';

type RawFn = (...args: number[]) => number;
const raw = binaryen as unknown as Record<string, RawFn | undefined>;

/** "Ptr" is a single child; "Children/Child" is a list read with GetNumChildren / GetChildAt / SetChildAt. */
const CHILD_FIELDS: Record<string, string[]> = {
  Nop: [], Block: ['Children/Child'], If: ['Condition', 'IfTrue', 'IfFalse'], Loop: ['Body'],
  Break: ['Condition', 'Value'], Switch: ['Condition', 'Value'],
  Call: ['Operands/Operand'], CallIndirect: ['Target', 'Operands/Operand'],
  LocalGet: [], LocalSet: ['Value'], GlobalGet: [], GlobalSet: ['Value'],
  Load: ['Ptr'], Store: ['Ptr', 'Value'],
  AtomicRMW: ['Ptr', 'Value'], AtomicCmpxchg: ['Ptr', 'Expected', 'Replacement'],
  AtomicWait: ['Ptr', 'Expected', 'Timeout'], AtomicNotify: ['Ptr', 'NotifyCount'], AtomicFence: [], Pause: [],
  SIMDExtract: ['Vec'], SIMDReplace: ['Vec', 'Value'], SIMDShuffle: ['Left', 'Right'], SIMDTernary: ['A', 'B', 'C'],
  SIMDShift: ['Vec', 'Shift'], SIMDLoad: ['Ptr'], SIMDLoadStoreLane: ['Ptr', 'Vec'],
  MemoryInit: ['Dest', 'Offset', 'Size'], DataDrop: [], MemoryCopy: ['Dest', 'Source', 'Size'],
  MemoryFill: ['Dest', 'Value', 'Size'],
  Const: [], Unary: ['Value'], Binary: ['Left', 'Right'], Select: ['IfTrue', 'IfFalse', 'Condition'],
  Drop: ['Value'], Return: ['Value'], MemorySize: [], MemoryGrow: ['Delta'], Unreachable: [], Pop: [],
  RefNull: [], RefIsNull: ['Value'], RefFunc: [], RefEq: ['Left', 'Right'], RefAs: ['Value'],
  TableGet: ['Index'], TableSet: ['Index', 'Value'], TableSize: [], TableGrow: ['Value', 'Delta'], ElemDrop: [],
  Try: ['Body', 'CatchBodies/CatchBody'], Throw: ['Operands/Operand'], Rethrow: [],
  TupleMake: ['Operands/Operand'], TupleExtract: ['Tuple'],
};

/**
 * Kinds binaryen.js gives no accessors for. The `flatten` pass moves every non-trivial operand into a local
 * first, after which their children can hold neither a loop nor a memory.grow and may be skipped.
 */
const OPAQUE_KINDS = ['TableFill', 'TableCopy', 'TableInit'];

interface ChildAccess {
  field: string;
  get(expr: number): number;
  set(expr: number, child: number): void;
}
interface ListAccess {
  field: string;
  count(expr: number): number;
  get(expr: number, i: number): number;
  set(expr: number, i: number, child: number): void;
}
interface KindInfo {
  name: string;
  single: ChildAccess[];
  lists: ListAccess[];
}

function fn(name: string): RawFn {
  const f = raw[name];
  if (typeof f !== 'function') throw new Error(`binaryen.js lacks ${name}`);
  return f;
}

function kindId(name: string): number {
  return fn(`_Binaryen${name}Id`)();
}

const KINDS = new Map<number, KindInfo>();
for (const [name, fields] of Object.entries(CHILD_FIELDS)) {
  const info: KindInfo = { name, single: [], lists: [] };
  for (const field of fields) {
    const [plural, item] = field.split('/');
    if (item) {
      const count = fn(`_Binaryen${name}GetNum${plural}`);
      const get = fn(`_Binaryen${name}Get${item}At`);
      const set = fn(`_Binaryen${name}Set${item}At`);
      info.lists.push({ field: item, count: (e) => count(e), get: (e, i) => get(e, i), set: (e, i, c) => void set(e, i, c) });
    } else {
      const get = fn(`_Binaryen${name}Get${field}`);
      const set = fn(`_Binaryen${name}Set${field}`);
      info.single.push({ field, get: (e) => get(e), set: (e, c) => void set(e, c) });
    }
  }
  KINDS.set(kindId(name), info);
}
const OPAQUE_IDS = new Set(OPAQUE_KINDS.map(kindId));

function kindName(id: number): string {
  for (const key of Object.keys(raw)) {
    const m = /^_Binaryen(\w+)Id$/.exec(key);
    if (m && raw[key]!() === id) return m[1]!;
  }
  return `expression id ${id}`;
}

export const LOOP_ID = kindId('Loop');
export const IF_ID = kindId('If');
export const CALL_ID = kindId('Call');
export const CALL_INDIRECT_ID = kindId('CallIndirect');
export const REF_FUNC_ID = kindId('RefFunc');
export const MEMORY_GROW_ID = kindId('MemoryGrow');
export const MEMORY_FILL_ID = kindId('MemoryFill');
export const MEMORY_COPY_ID = kindId('MemoryCopy');
export const MEMORY_INIT_ID = kindId('MemoryInit');

/** A child position, so that the child can be replaced later. */
export interface Slot {
  parent: number;
  parentId: number;
  /** For list children, the index; -1 for a single child. */
  index: number;
  access: ChildAccess | ListAccess;
}

export function replaceChild(slot: Slot, child: number): void {
  if (slot.index < 0) (slot.access as ChildAccess).set(slot.parent, child);
  else (slot.access as ListAccess).set(slot.parent, slot.index, child);
}

/** An expression kind we can neither walk nor flatten away: the module cannot be metered safely. */
export class UnsupportedExpression extends Error {
  constructor(readonly kind: string) {
    super(`the module uses an instruction (${kind}) that fuel metering does not support`);
  }
}

export interface WalkResult {
  /** True if an opaque kind was met: run `flatten` on the function and walk again with allowOpaque. */
  needsFlatten: boolean;
}

/**
 * Visits every expression under `root` (iteratively: real modules nest deeply). `visit` gets the expression,
 * its id, the slot it sits in (null for the root) and its parent's context, and returns the context its
 * own children will get.
 */
export function walk<C>(
  root: number,
  rootContext: C,
  allowOpaque: boolean,
  visit: (expr: number, id: number, slot: Slot | null, context: C) => C,
): WalkResult {
  const stack: { expr: number; slot: Slot | null; context: C }[] = [{ expr: root, slot: null, context: rootContext }];
  while (stack.length > 0) {
    const { expr, slot, context: parentContext } = stack.pop()!;
    const id = binaryen.getExpressionId(expr);
    const context = visit(expr, id, slot, parentContext);
    const kind = KINDS.get(id);
    if (!kind) {
      if (!OPAQUE_IDS.has(id)) throw new UnsupportedExpression(kindName(id));
      if (!allowOpaque) return { needsFlatten: true };
      continue;
    }
    for (const access of kind.single) {
      const child = access.get(expr);
      if (child) stack.push({ expr: child, slot: { parent: expr, parentId: id, index: -1, access }, context });
    }
    for (const access of kind.lists) {
      for (let i = access.count(expr) - 1; i >= 0; i--) {
        const child = access.get(expr, i);
        if (child) stack.push({ expr: child, slot: { parent: expr, parentId: id, index: i, access }, context });
      }
    }
  }
  return { needsFlatten: false };
}
