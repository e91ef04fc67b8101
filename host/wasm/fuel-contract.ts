// What the fuel rewrite (fuel.ts) and the sandbox that runs its output agree on: the module its added imports come
// from, their names, and the export that holds the fuel left.

import { importNamespace } from '../abi/import-object.js';

/** The module the deploy-time rewrite imports from; never allowed in an uploaded module. */
export const RUNTIME_MODULE = 'wasmfn_rt';

/** What the deploy-time rewrite imports from RUNTIME_MODULE; the sandbox supplies them under these names. */
export const RUNTIME_IMPORTS = {
  /** i64, immutable: the fuel budget the module's own counter starts from. */
  budget: 'fuel_budget',
  /** i32, mutable: raised by a fuel check that ran out, just before it traps. */
  fuelOut: 'fuel_out',
  /** i32, mutable: raised when memory.grow fails. */
  growFailed: 'grow_failed',
} as const;

/** The export fuel instrumentation adds (the fuel left); never allowed in an uploaded module. */
export const FUEL_EXPORT = '__wasmfn_fuel';

/** A RUNTIME_MODULE namespace. */
export interface RuntimeNamespace {
  [RUNTIME_IMPORTS.budget]: bigint;
  [RUNTIME_IMPORTS.fuelOut]: WebAssembly.Global;
  [RUNTIME_IMPORTS.growFailed]: WebAssembly.Global;
}

/** A namespace of its own for one instance (tests, benchmarks); the sandbox recycles one per thread instead. */
export function runtimeNamespace(budget: bigint): RuntimeNamespace {
  const flag = () => new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  return importNamespace({ [RUNTIME_IMPORTS.budget]: budget, [RUNTIME_IMPORTS.fuelOut]: flag(), [RUNTIME_IMPORTS.growFailed]: flag() });
}

