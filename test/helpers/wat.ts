// Compiles WAT text to wasm bytes with the wabt package, for fixtures written inline in tests.

import wabtInit from 'wabt';

let wabt: Awaited<ReturnType<typeof wabtInit>> | null = null;

export async function wat(text: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const mod = wabt.parseWat('inline.wat', text, { bulk_memory: true, mutable_globals: true });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}
