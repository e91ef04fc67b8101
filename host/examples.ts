// Deploys the example functions built from functions/ into a data dir, once each: `<data>/examples.json` lists
// the examples the data dir has been given, so one its owner deleted is not deployed again on the next start,
// while one that a later release adds still is.

import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmfnError } from './errors.js';
import { exists, readJson, writeFileAtomic } from './store/atomic-fs.js';
import type { Registry } from './store/registry.js';

export const EXAMPLES_FILE = 'examples.json';

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
  const file = path.join(registry.dataDir, EXAMPLES_FILE);
  // No file yet: a new data dir, or one from before examples.json.
  const hadFile = await exists(file);
  let given: Set<string>;
  try {
    given = hadFile ? await readGiven(file) : new Set();
  } catch (e) {
    // Guessing could bring back examples that were deleted; the file is left for its owner to fix or remove.
    onError(EXAMPLES_FILE, e);
    return;
  }
  const before = given.size;
  for (const f of await builtFunctions()) {
    if (!f.example || given.has(f.name)) continue;
    // Something stored under the name (an example from before examples.json existed, or the user's own
    // function, even one that failed to load) is never replaced; the example counts as given either way.
    if (!(await registry.stored(f.name))) {
      try {
        const bytes = await fs.readFile(`${BUILT_FUNCTIONS_DIR}/${f.name}.wasm`);
        await registry.deploy(f.name, new Uint8Array(bytes), { limits: {}, env: {} });
      } catch (e) {
        onError(f.name, e); // not recorded, so the next start tries again
        continue;
      }
    }
    given.add(f.name);
  }
  if (given.size !== before || !hadFile) {
    await writeFileAtomic(file, `${JSON.stringify({ examples: [...given].sort() }, null, 2)}\n`);
  }
}

/** The examples already given to the data dir, from its examples.json. */
async function readGiven(file: string): Promise<Set<string>> {
  let parsed: unknown;
  try {
    parsed = await readJson<unknown>(file);
  } catch {
    parsed = null;
  }
  const names = (parsed as { examples?: unknown } | null)?.examples;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new WasmfnError('bad_request', `${EXAMPLES_FILE} is not {"examples": [names]}: no examples deployed; fix it, or remove it to have the missing examples deployed once`);
  }
  return new Set(names);
}
