// `node dist/host/bench/prepare-costs.js [rounds]`: costs the deploy-time rewrite is shaped around (see
// docs/design.md, "Costs behind the design"): loading Binaryen against preparing a module once it is loaded (why the
// prepare worker is kept between deploys), and what merging `hello`'s data segments saves each instantiation.

import fs from 'node:fs';
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BUILT_FUNCTIONS_DIR } from '../examples.js';
import { mergeDataSegments } from '../wasm/data-merge.js';
import { readLayout } from '../wasm/layout.js';
import { importMemory } from '../wasm/memory-import.js';
import { percentile } from './stats.js';

const median = (xs: number[]): number => percentile(Float64Array.from(xs).sort(), 50);

/** Every import stubbed: a function answering 0; the one memory shared, as the sandbox reuses pooled ones. */
function stubImports(module: WebAssembly.Module, memory: WebAssembly.Memory): WebAssembly.Imports {
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    const value = i.kind === 'memory' ? memory : () => 0;
    (imports[i.module] ??= {})[i.name] = value;
  }
  return imports as WebAssembly.Imports;
}

/** µs per instantiation of each module, interleaved round by round so both see the same machine. */
function instantiateUs(modules: WebAssembly.Module[], rounds: number, perRound: number): number[][] {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 256 });
  const imports = modules.map((m) => stubImports(m, memory));
  const samples = modules.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    modules.forEach((m, k) => {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) new WebAssembly.Instance(m, imports[k]!);
      samples[k]!.push(((performance.now() - t0) * 1000) / perRound);
    });
  }
  return samples;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  const t0 = performance.now();
  await import('binaryen');
  const loadMs = performance.now() - t0;
  const { prepareModule } = await import('../wasm/prepare.js');
  const hello = new Uint8Array(fs.readFileSync(path.join(BUILT_FUNCTIONS_DIR, 'hello.wasm')));
  const prepareMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    prepareModule(hello, { memoryMb: 16, fuel: true, maxTableElements: 100_000 });
    prepareMs.push(performance.now() - t);
  }
  // Memory imported as the rewrite does, so instantiation costs what it does in the sandbox: no memory allocated.
  const imported = importMemory(hello, readLayout(hello), { initialPages: 1, maximumPages: 256 });
  const merged = mergeDataSegments(imported, readLayout(imported)) ?? imported;
  const [plain, fewer] = instantiateUs([imported, merged].map((b) => new WebAssembly.Module(b as Uint8Array<ArrayBuffer>)), rounds, 2000);
  const saved = median(plain!) - median(fewer!);
  console.log(`loading Binaryen (first import in the process):  ${loadMs.toFixed(0)} ms`);
  console.log(`preparing hello once loaded, median of ${rounds}:      ${median(prepareMs).toFixed(1)} ms`);
  console.log(`hello's data segments, as built and merged:     ${readLayout(hello).data.length} and ${readLayout(merged).data.length}`);
  console.log(`instantiating hello, as built and merged:       ${median(plain!).toFixed(2)} and ${median(fewer!).toFixed(2)} µs (${((100 * saved) / median(plain!)).toFixed(0)}% less with the merge)`);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) await main();
