// Fuel for work whose size is only known when it runs: memory.fill, memory.copy and memory.init charge their
// length, a memory.grow the pages it added. Without this one instruction costs one unit however many bytes it
// touches, and a short fuel budget would not bound time.
//
// Each such instruction becomes a call to an added helper (not metered itself) that charges first and only then
// does the work, so a length the budget cannot pay traps before any byte is written. The figures below put a
// byte of bulk work and a unit of ordinary code at roughly the same time (docs/design.md has the measurement).

import binaryen from 'binaryen';
import { MEMORY_COPY_ID, MEMORY_FILL_ID, replaceChild, type Slot } from './binaryen-tree.js';
import { dynamicFuelCheck, type FuelNames } from './fuel-code.js';

/** memory.fill costs its length shifted right by this (one unit per 16 bytes). */
export const FILL_BYTES_SHIFT = 4n;
/** memory.copy and memory.init read as well as write: one unit per 4 bytes. */
export const COPY_BYTES_SHIFT = 2n;
/** A successful memory.grow costs this per page added (as much as filling the page). */
export const GROW_UNITS_PER_PAGE = 4096n;

type RawFn = (...args: number[]) => number;
const raw = binaryen as unknown as Record<'_BinaryenFunctionSetBody', RawFn>;

export interface BulkSite {
  expr: number;
  id: number;
  slot: Slot | null;
}

/** `fuel -= len >> shift` for the i32 length in local `len`, trapping when that goes below zero. */
function chargeLength(m: binaryen.Module, names: FuelNames, len: number, shift: bigint): number {
  const cost = m.i64.shr_u(m.i64.extend_u(m.local.get(len, binaryen.i32)), m.i64.const(shift));
  return dynamicFuelCheck(m, names, cost);
}

/** Adds the helpers bulk operations call, one per kind (and per data segment for memory.init), made on first use. */
export class BulkHelpers {
  private readonly made = new Map<string, string>();

  constructor(
    private readonly m: binaryen.Module,
    private readonly names: FuelNames,
    private readonly uniqueName: (base: string) => string,
  ) {}

  /** Replaces one bulk operation in place with a call to its helper (operands in the same order). */
  replace(f: { func: number }, site: BulkSite): void {
    const m = this.m;
    let call: number;
    if (site.id === MEMORY_FILL_ID) {
      const i = binaryen.getExpressionInfo(site.expr) as binaryen.MemoryFillInfo;
      call = m.call(this.helper('fill', FILL_BYTES_SHIFT, () => m.memory.fill(get(m, 0), get(m, 1), get(m, 2))), [i.dest, i.value, i.size], binaryen.none);
    } else if (site.id === MEMORY_COPY_ID) {
      const i = binaryen.getExpressionInfo(site.expr) as binaryen.MemoryCopyInfo;
      call = m.call(this.helper('copy', COPY_BYTES_SHIFT, () => m.memory.copy(get(m, 0), get(m, 1), get(m, 2))), [i.dest, i.source, i.size], binaryen.none);
    } else {
      const i = binaryen.getExpressionInfo(site.expr) as binaryen.MemoryInitInfo;
      const segment = String(i.segment);
      call = m.call(this.helper(`init:${segment}`, COPY_BYTES_SHIFT, () => m.memory.init(segment, get(m, 0), get(m, 1), get(m, 2))), [i.dest, i.offset, i.size], binaryen.none);
    }
    if (site.slot) replaceChild(site.slot, call);
    else raw._BinaryenFunctionSetBody(f.func, call);
  }

  private helper(kind: string, shift: bigint, op: () => number): string {
    let name = this.made.get(kind);
    if (name) return name;
    name = this.uniqueName(`wasmfn_rt.${kind.startsWith('init:') ? 'init' : kind}`);
    const i32 = binaryen.i32;
    // The length is the third parameter of all three.
    this.m.addFunction(name, binaryen.createType([i32, i32, i32]), binaryen.none, [], this.m.block(null, [
      chargeLength(this.m, this.names, 2, shift), op(),
    ], binaryen.none));
    this.made.set(kind, name);
    return name;
  }
}

function get(m: binaryen.Module, index: number): number {
  return m.local.get(index, binaryen.i32);
}
