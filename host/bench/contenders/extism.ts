// Contender `extism`: the Extism JS SDK creating a plugin per request from a compiled module.

import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkOutput, INPUT, usSince, type Contender, type PhaseSample } from '../contender.js';
import { freshBytes } from '../fresh-bytes.js';
import { sourceUrl } from '../guests.js';
import { Unavailable } from '../unavailable.js';

type ExtismModule = typeof import('@extism/extism');
type CreatePlugin = ExtismModule['createPlugin'];

/** Assembles functions/bench-extism/greet.wat; wabt and the SDK are dev dependencies, so both may be absent. */
async function load(): Promise<{ createPlugin: CreatePlugin; bytes: Uint8Array<ArrayBuffer> }> {
  let createPlugin: CreatePlugin;
  let wabtInit: typeof import('wabt');
  // The SDK loads node:wasi, whose ExperimentalWarning would land in the middle of the progress line
  // although the plugin runs without WASI: drop that one warning while importing.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning instanceof Error ? warning.message : warning).startsWith('WASI')) {
      (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
    }
  }) as typeof process.emitWarning;
  try {
    createPlugin = (await import('@extism/extism')).createPlugin;
    wabtInit = (await import('wabt')).default;
  } catch (e) {
    throw new Unavailable(`@extism/extism or wabt is not installed (dev dependencies): ${(e as Error).message}`);
  } finally {
    process.emitWarning = emitWarning;
  }
  const watUrl = sourceUrl('bench-extism/greet.wat');
  let wat: string;
  try {
    wat = await fs.readFile(watUrl, 'utf8');
  } catch {
    throw new Unavailable(`plugin source ${fileURLToPath(watUrl)} not found`);
  }
  const parsed = (await wabtInit()).parseWat('greet.wat', wat);
  try {
    return { createPlugin, bytes: new Uint8Array(parsed.toBinary({}).buffer) };
  } finally {
    parsed.destroy();
  }
}

export function extismContender(): Contender {
  let createPlugin: CreatePlugin | null = null;
  let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  let module: WebAssembly.Module | null = null;

  /** A plugin from `m`, one call; close() is after the figure, like a worker's terminate(). */
  async function once(m: WebAssembly.Module): Promise<{ out: string; instantiateUs: number; callUs: number; totalUs: number }> {
    const tStart = performance.now();
    let t0 = tStart;
    const plugin = await createPlugin!({ wasm: [{ module: m }] }, { useWasi: false });
    const instantiateUs = usSince(t0);
    try {
      t0 = performance.now();
      const output = await plugin.call('greet', INPUT);
      const out = output?.text() ?? '';
      return { out, instantiateUs, callUs: usSince(t0), totalUs: usSince(tStart) };
    } finally {
      await plugin.close();
    }
  }

  return {
    name: 'extism',
    isolation: 'extism',
    description: 'the Extism JS SDK (@extism/extism, the Wasm plugin system): createPlugin from a compiled module + call per request, a WAT plugin using Extism\'s kernel imports',
    slow: false,
    async setup() {
      ({ createPlugin, bytes } = await load());
      module = await WebAssembly.compile(bytes);
      checkOutput('extism', (await once(module)).out);
    },
    async coldStart() {
      const t = await once(module!);
      if (t.out.length === 0) throw new Error('extism: empty answer');
      return t.totalUs;
    },
    async deploy(): Promise<PhaseSample> {
      const fresh = freshBytes(bytes);
      const t0 = performance.now();
      const m = new WebAssembly.Module(fresh);
      const compile = usSince(t0);
      const t = await once(m);
      return { compile, instantiate: t.instantiateUs, firstCall: t.callUs };
    },
    async teardown() {
      module = null;
    },
  };
}
