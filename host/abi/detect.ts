// Which guest ABI a module speaks, judged from its imports and exports, and which imports each ABI may have.

import type { AbiName } from './types.js';
import { PREVIEW1_FUNCTIONS } from './wasi/defs.js';
import { CAPABILITY_IMPORTS } from './capabilities.js';

export interface ImportDesc { module: string; name: string; kind: string }

/** Imports the AssemblyScript runtime itself may emit (abort, trace, Math.random seed, Date.now, console). */
const AS_ENV = new Set([
  'abort', 'trace', 'seed', 'Date.now',
  'console.log', 'console.debug', 'console.info', 'console.warn', 'console.error',
]);

/** The SDK ABI's host functions, module `wasmfn` (see README, "SDK wire format"). */
const SDK_IMPORTS = new Set(['request_len', 'request_read', 'response_write', 'log', ...CAPABILITY_IMPORTS]);
/** Key-value, outbound HTTP and config: for every ABI that can import from `wasmfn` (SDK, and WAGI next to WASI). */
const CAPABILITY_SET: ReadonlySet<string> = new Set(CAPABILITY_IMPORTS);

/** WASI preview 1 functions the WAGI runtime implements or answers with a WASI errno. */
export const WASI_MODULE = 'wasi_snapshot_preview1';
const WASI_FUNCTIONS: ReadonlySet<string> = new Set(PREVIEW1_FUNCTIONS);

function isMemoryImport(i: ImportDesc): boolean {
  return i.module === 'env' && i.name === 'memory' && i.kind === 'memory';
}

function allowsAsEnv(i: ImportDesc): boolean {
  return i.module === 'env' && i.kind === 'function' && AS_ENV.has(i.name);
}

export const ALLOWS_IMPORT: Record<AbiName, (i: ImportDesc) => boolean> = {
  sdk: (i) => isMemoryImport(i) || allowsAsEnv(i) || (i.module === 'wasmfn' && i.kind === 'function' && SDK_IMPORTS.has(i.name)),
  loader: (i) => isMemoryImport(i) || allowsAsEnv(i),
  // Every preview 1 name is accepted: those we do not implement answer ENOSYS rather than fail to link. Any other
  // name would fail to link, or link whatever a JS object answers to it (`constructor`, `toString`).
  wagi: (i) => isMemoryImport(i) || (i.module === WASI_MODULE && i.kind === 'function' && WASI_FUNCTIONS.has(i.name))
    || (i.module === 'wasmfn' && i.kind === 'function' && CAPABILITY_SET.has(i.name)),
};

/** The exports each ABI calls: its entry point first, then runtime exports it needs (the loader's allocator). */
export const ENTRY_EXPORTS: Record<AbiName, readonly string[]> = { sdk: ['handle'], loader: ['handle', '__new'], wagi: ['_start'] };

/**
 * Every export the sandbox ever reads from an instance of each ABI: the entry exports, and the loader runtime's
 * optional `__pin` and `__setArgumentsLength`. The deploy drops every other export (wasm/instance-shape.ts), so a
 * name the ABI starts reading must be added here first.
 */
export const CALLED_EXPORTS: Record<AbiName, readonly string[]> = {
  sdk: ENTRY_EXPORTS.sdk,
  loader: [...ENTRY_EXPORTS.loader, '__pin', '__setArgumentsLength'],
  wagi: ENTRY_EXPORTS.wagi,
};

/**
 * A name AssemblyScript gives a top-level export. Anything else is one of its mangled forms (class members
 * `C#m`, accessors `get:x`/`C#set:x`, namespaces `ns.f`), which @assemblyscript/loader turns into properties of
 * JS objects (`constructor#get:x` into an accessor on Object.prototype). The loader ABI never looks at them, but a
 * loader-form module carrying them is either hostile or meant for a host that would.
 */
const PLAIN_EXPORT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The ABI a module was written for, or null when it fits none. */
export function detectAbi(imports: readonly ImportDesc[], exports: readonly string[]): AbiName | null {
  if (imports.some((i) => i.module === WASI_MODULE) || exports.includes('_start')) return 'wagi';
  if (imports.some((i) => i.module === 'wasmfn')) return 'sdk';
  if (exports.includes('handle') && exports.includes('__new')) return 'loader';
  if (exports.includes('handle')) return 'sdk';
  return null;
}

/** Reasons a module cannot run under `abi`, one per offending import or missing export. */
export function abiProblems(abi: AbiName, imports: readonly ImportDesc[], exports: readonly string[]): string[] {
  const problems: string[] = [];
  for (const i of imports) {
    if (!ALLOWS_IMPORT[abi](i)) problems.push(`import "${i.module}"."${i.name}" (${i.kind}) is not provided by the ${abi} ABI`);
  }
  const [entry, ...runtime] = ENTRY_EXPORTS[abi];
  if (!exports.includes(entry!)) problems.push(`missing export "${entry}" required by the ${abi} ABI`);
  if (runtime.some((n) => !exports.includes(n))) problems.push(`${abi} ABI needs the runtime exported (compile with --exportRuntime)`);
  if (abi === 'loader') {
    for (const name of exports) {
      if (!PLAIN_EXPORT_NAME.test(name)) {
        problems.push(`export ${JSON.stringify(name)} is not a plain name; the loader ABI refuses the mangled names of classes, accessors and namespaces (export only functions from the entry file)`);
      }
    }
  }
  return problems;
}
