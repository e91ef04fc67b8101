// Deploys the example functions built from functions/ into a data dir that does not have them yet.

import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Registry } from './store/registry.js';

/** Where `npm run build` puts the compiled functions (dist/functions). */
export const BUILT_FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

interface BuiltFunction {
  name: string;
  description: string;
  example: boolean;
  file: string;
}

async function builtFunctions(dir = BUILT_FUNCTIONS_DIR): Promise<BuiltFunction[]> {
  try {
    const index = JSON.parse(await fs.readFile(`${dir}/index.json`, 'utf8')) as { functions: BuiltFunction[] } | BuiltFunction[];
    return Array.isArray(index) ? index : index.functions;
  } catch {
    return [];
  }
}

/** Each deploy shows up in the log as the registry's deploy event; failures go to `onError`. */
export async function deployExamples(registry: Registry, onError: (name: string, e: unknown) => void): Promise<void> {
  for (const f of await builtFunctions()) {
    if (!f.example || registry.get(f.name)) continue;
    try {
      const bytes = await fs.readFile(`${BUILT_FUNCTIONS_DIR}/${f.name}.wasm`);
      await registry.deploy(f.name, new Uint8Array(bytes), { limits: {}, env: {} });
    } catch (e) {
      onError(f.name, e);
    }
  }
}
