// Contender `as-loader`: @assemblyscript/loader's instantiateSync per request, the module's own memory each time.

import { checkOutput, usSince, type Contender, type PhaseSample } from '../contender.js';
import { freshBytes } from '../fresh-bytes.js';
import { readGuest } from '../guests.js';
import { callGreet, instantiateGreet } from './loader-common.js';

export function asLoaderContender(): Contender {
  let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  let module: WebAssembly.Module | null = null;
  return {
    name: 'as-loader',
    isolation: 'wasm-instance',
    description: 'the stock AssemblyScript way: @assemblyscript/loader instantiateSync per request (new instance and its own new memory, loader glue, string marshalling), no limits',
    slow: false,
    async setup() {
      bytes = await readGuest('bench-greet');
      module = await WebAssembly.compile(bytes);
      checkOutput('as-loader', callGreet(instantiateGreet(module)));
    },
    coldStart() {
      const t0 = performance.now();
      const out = callGreet(instantiateGreet(module!));
      const us = usSince(t0);
      if (out.length === 0) throw new Error('as-loader: empty answer');
      return us;
    },
    async deploy(): Promise<PhaseSample> {
      const fresh = freshBytes(bytes);
      let t0 = performance.now();
      const m = new WebAssembly.Module(fresh);
      const compile = usSince(t0);
      t0 = performance.now();
      const inst = instantiateGreet(m);
      const instantiate = usSince(t0);
      t0 = performance.now();
      callGreet(inst);
      return { compile, instantiate, firstCall: usSince(t0) };
    },
    async teardown() {},
  };
}
