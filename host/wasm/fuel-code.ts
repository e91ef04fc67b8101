// The code fuel instrumentation adds: budget checks and the memory.grow wrapper.

import binaryen from 'binaryen';

export interface FuelNames {
  /** The module's own counter (a defined global: V8 reaches it with fewer loads than an imported one). */
  fuel: string;
  /** The imported flag an exhausted check raises before it traps. */
  fuelOut: string;
}

/** Raises the out-of-fuel flag, then traps: the flag is what tells this trap from the guest's own. */
function outOfFuel(m: binaryen.Module, names: FuelNames): number {
  return m.block(null, [m.global.set(names.fuelOut, m.i32.const(1)), m.unreachable()], binaryen.unreachable);
}

/** `fuel -= cost; if (fuel < 0) { fuel_out = 1; unreachable }`. */
export function fuelCheck(m: binaryen.Module, names: FuelNames, cost: number): number {
  const i64 = binaryen.i64;
  return m.block(null, [
    m.global.set(names.fuel, m.i64.sub(m.global.get(names.fuel, i64), m.i64.const(BigInt(cost)))),
    m.if(m.i64.lt_s(m.global.get(names.fuel, i64), m.i64.const(0n)), outOfFuel(m, names)),
  ], binaryen.none);
}

/** The same with a cost computed when it runs (an i64 expression, never negative). */
export function dynamicFuelCheck(m: binaryen.Module, names: FuelNames, cost: number): number {
  const i64 = binaryen.i64;
  return m.block(null, [
    m.global.set(names.fuel, m.i64.sub(m.global.get(names.fuel, i64), cost)),
    m.if(m.i64.lt_s(m.global.get(names.fuel, i64), m.i64.const(0n)), outOfFuel(m, names)),
  ], binaryen.none);
}

/** `body` with `check` run first; same type as `body`. */
export function prefixed(m: binaryen.Module, check: number, body: number): number {
  return m.block(null, [check, body], binaryen.auto);
}

/**
 * grow(delta) = memory.grow(delta), setting the grow-failed global to 1 when it returns -1, and charging
 * `unitsPerPage` per page added when it succeeds (a failed grow does no work).
 */
export function addGrowHelper(m: binaryen.Module, names: FuelNames & { grow: string; growFailed: string }, unitsPerPage: bigint): void {
  const i32 = binaryen.i32;
  const result = 1;
  const cost = m.i64.mul(m.i64.extend_u(m.local.get(0, i32)), m.i64.const(unitsPerPage));
  m.addFunction(names.grow, binaryen.createType([i32]), i32, [i32], m.block(null, [
    m.local.set(result, m.memory.grow(m.local.get(0, i32))),
    m.if(
      m.i32.eq(m.local.get(result, i32), m.i32.const(-1)),
      m.global.set(names.growFailed, m.i32.const(1)),
      dynamicFuelCheck(m, names, cost),
    ),
    m.local.get(result, i32),
  ], i32));
}

/** The same for a leaf loop's iterations: the budget lives in a local (a register) and is stored, never reloaded. */
export function cachedFuelCheck(m: binaryen.Module, names: FuelNames, local: number, cost: number): number {
  const i64 = binaryen.i64;
  return m.block(null, [
    m.global.set(names.fuel, m.local.tee(local, m.i64.sub(m.local.get(local, i64), m.i64.const(BigInt(cost))), i64)),
    m.if(m.i64.lt_s(m.local.get(local, i64), m.i64.const(0n)), outOfFuel(m, names)),
  ], binaryen.none);
}
