// Where the built guest modules are: dist/functions/<name>.wasm, next to dist/host.

import fs from 'node:fs/promises';

export function guestUrl(name: string): URL {
  return new URL(`../../functions/${name}.wasm`, import.meta.url);
}

export async function readGuest(name: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const buf = await fs.readFile(guestUrl(name));
    return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  } catch (e) {
    throw new Error(`guest ${name}.wasm is not built (run \`npm run build:functions\`): ${(e as Error).message}`);
  }
}

/** Source files of bench-only guests that are not built by functions/build.mjs (the Extism plugin, in WAT). */
export function sourceUrl(relative: string): URL {
  return new URL(`../../../functions/${relative}`, import.meta.url);
}
