// Small modules built from WAT for the benchmarks that measure what V8 charges for an instance by what it declares.

import binaryen from 'binaryen';

export interface ModuleParts { imports?: number; table?: boolean; start?: boolean }

/** An empty module (an imported `env.memory`, one exported `handle`), plus the parts asked for. */
export function partsWat(parts: ModuleParts): string {
  const lines = ['(module'];
  for (let i = 0; i < (parts.imports ?? 0); i++) lines.push(`(import "m" "f${i}" (func $f${i}))`);
  lines.push('(memory (import "env" "memory") 1 256)', '(func $h (export "handle") nop)');
  if (parts.table) lines.push('(table 2 funcref)', '(elem (i32.const 1) $h)');
  if (parts.start) lines.push('(global $g (mut i32) (i32.const 0))', '(func $s (global.set $g (i32.const 5)))', '(start $s)');
  lines.push(')');
  return lines.join('\n');
}

export function compileWat(text: string): WebAssembly.Module {
  const m = binaryen.parseText(text);
  try {
    return new WebAssembly.Module(new Uint8Array(m.emitBinary()));
  } finally {
    m.dispose();
  }
}

/**
 * A call of a fresh instance of the empty module, made per call: the least a per-request instance costs on V8. One
 * memory serves every instance, since the module never writes it.
 */
export function emptyInstanceCall(): () => void {
  const module = compileWat(partsWat({}));
  const imports = { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 256 }) } };
  return () => (new WebAssembly.Instance(module, imports).exports.handle as () => void)();
}
