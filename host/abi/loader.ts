// The loader ABI: AssemblyScript `handle(input: string): string` compiled with --exportRuntime, body in, text out.
// Only the exports this ABI names are looked up on the instance; no other export name a module chose ever becomes
// a property of a JS object (what @assemblyscript/loader's demangling does, Object.prototype included).

import { WasmfnError } from '../errors.js';
import { asEnvFunctions } from './as-env.js';
import { importNamespace, SharedImports, instantiateLinked } from './import-object.js';
import { liftString, lowerString } from './loader-strings.js';
import type { InstantiateFn, InvokeContext, InvokeFn } from './runtime.js';

type GuestFn = (...args: number[]) => number;

const TEXT_PLAIN = 'text/plain; charset=utf-8';
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The call in progress on this thread, for the shared env functions (calls are synchronous and never nest). */
let current: InvokeContext | null = null;

function call(): InvokeContext {
  if (current === null) throw new WasmfnError('trap', 'an env import was called outside a request');
  return current;
}

/**
 * One import object for every call on this thread, as in the SDK ABI: only the memory is set per call. Just `env`
 * and the sandbox's runtime namespaces exist: deploy refuses any other import of a loader module (the loader's
 * `Math` and `Date` namespaces included).
 */
const env = importNamespace({ memory: null as WebAssembly.Memory | null, ...asEnvFunctions(call) });
const imports = new SharedImports({ env });

function guestFunction(exports: WebAssembly.Exports, name: string): GuestFn | null {
  const f = exports[name];
  return typeof f === 'function' ? (f as GuestFn) : null;
}

export const invokeLoader: InvokeFn = (ctx) => {
  const { memory } = ctx;
  const outer = current;
  current = ctx;
  env.memory = memory;
  try {
    const instance = ctx.instance ?? new WebAssembly.Instance(ctx.module, imports.with(ctx.runtimeImports));
    ctx.markInstantiated(instance);
    const exports = instance.exports;
    const handle = guestFunction(exports, 'handle');
    if (handle === null) throw new WasmfnError('invalid_module', 'the module exports no "handle" function');
    const alloc = guestFunction(exports, '__new');
    if (alloc === null) throw new WasmfnError('invalid_module', 'the module exports no "__new" function (compile with --exportRuntime)');

    const input = lowerString(memory, alloc, decoder.decode(ctx.request.body));
    // Pinned as the loader did: a runtime with a collector must not free the input while handle() allocates.
    guestFunction(exports, '__pin')?.(input);
    // A handle() with optional parameters reads the argument count from the runtime; one argument is given.
    guestFunction(exports, '__setArgumentsLength')?.(1);
    const text = liftString(memory, handle(input), ctx.maxResponseBytes);
    const body = encoder.encode(text);
    if (body.length > ctx.maxResponseBytes) {
      throw new WasmfnError('response_too_large', `response body of ${body.length} bytes exceeds the limit of ${ctx.maxResponseBytes}`);
    }
    return { status: 200, headers: [['content-type', TEXT_PLAIN]], body };
  } finally {
    current = outer;
    // Nothing of this call stays reachable from the shared objects once it is over.
    env.memory = outer?.memory ?? null;
  }
};

export const instantiateLoader: InstantiateFn = (module, memory, runtimeImports) => instantiateLinked(env, imports, module, memory, runtimeImports);
