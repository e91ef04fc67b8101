// The `bench-greet` AssemblyScript module driven through @assemblyscript/loader (string in, string out).

import { instantiateSync, type ASUtil, type ResultObject } from '@assemblyscript/loader';
import { INPUT } from '../contender.js';

export interface GreetExports extends Record<string, unknown> {
  handle(namePtr: number): number;
}

export type GreetInstance = ResultObject & { exports: ASUtil & GreetExports };

export function instantiateGreet(module: WebAssembly.Module): GreetInstance {
  return instantiateSync<GreetExports>(module, {});
}

/** One call: copy the input in, run, copy the answer out, as any loader user does. */
export function callGreet(inst: GreetInstance): string {
  const e = inst.exports;
  return e.__getString(e.handle(e.__newString(INPUT)));
}
