// `npm run bench:instantiate [-- --rounds N]`: what `new WebAssembly.Instance` costs by what a module declares,
// on this machine's V8. Modules built from WAT differ from an empty one (an imported memory and one exported
// function) by one part each; `hello` is the SDK example as deployed (AssemblyScript, fuel-rewritten), which has
// all of these parts. The cold start of wasmfn cannot go below the instantiation of the module it runs.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile } from './stats.js';
import { deployHello } from './contenders/executor-common.js';
import { readGuest } from './guests.js';
import { runtimeNamespace } from '../wasm/fuel-contract.js';
import type { MemoryShape } from '../sandbox/memory-pool.js';
import { compileWat, partsWat, type ModuleParts } from './wat-modules.js';

const INSTANCES_PER_SAMPLE = 1000;
const SAMPLES_PER_ROUND = 40;

/** What `hello` as deployed imports, with host functions that do nothing: enough to instantiate it, not to run it. */
export function helloImports(memory: MemoryShape): WebAssembly.Imports {
  const noop = () => {};
  return {
    env: { memory: new WebAssembly.Memory({ initial: memory.initialPages, maximum: memory.maximumPages }), abort: noop },
    wasmfn: { request_len: () => 0, request_read: noop, response_write: noop },
    wasmfn_rt: runtimeNamespace(1_000_000n) as unknown as WebAssembly.ModuleImports,
  };
}

/**
 * A fresh instance of `hello` as deployed, made per call and not run: the least a per-request instance of this guest
 * costs. One memory serves every instance (none is run, so only the data segments are written, the same each time).
 */
export function helloInstanceCall(deployed: { module: WebAssembly.Module; memory: MemoryShape | null }): () => void {
  const imports = helloImports(deployed.memory!);
  return () => void new WebAssembly.Instance(deployed.module, imports);
}

interface Variant { name: string; module: WebAssembly.Module; imports: WebAssembly.Imports }

async function variants(): Promise<Variant[]> {
  const functions: Record<string, () => void> = {};
  for (let i = 0; i < 8; i++) functions[`f${i}`] = () => {};
  const plain = (name: string, parts: ModuleParts): Variant => ({
    name, module: compileWat(partsWat(parts)), imports: { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 256 }) }, m: functions },
  });
  const hello = await deployHello(await readGuest('hello'));
  return [
    plain('empty (imported memory, one export)', {}),
    plain('+ 4 imported functions', { imports: 4 }),
    plain('+ 8 imported functions', { imports: 8 }),
    plain('+ a funcref table with an element segment', { table: true }),
    plain('+ a start function', { start: true }),
    plain('all three (4 imports)', { imports: 4, table: true, start: true }),
    { name: 'hello (SDK, as deployed)', module: hello.module, imports: helloImports(hello.memory!) },
  ];
}

/** Mean µs per instance of each sample of INSTANCES_PER_SAMPLE back-to-back instantiations. */
function sample(v: Variant): number {
  const t0 = performance.now();
  for (let i = 0; i < INSTANCES_PER_SAMPLE; i++) new WebAssembly.Instance(v.module, v.imports);
  return ((performance.now() - t0) * 1000) / INSTANCES_PER_SAMPLE;
}

export interface InstantiationRow { name: string; p50Us: number; p90Us: number; samples: number }

export async function measureInstantiation(rounds: number, samplesPerRound = SAMPLES_PER_ROUND): Promise<InstantiationRow[]> {
  const vs = await variants();
  const samples = new Map<string, number[]>(vs.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotated, so no variant always runs first (or always right after another's garbage).
    for (const v of [...vs.slice(r % vs.length), ...vs.slice(0, r % vs.length)]) {
      sample(v);
      for (let s = 0; s < samplesPerRound; s++) samples.get(v.name)!.push(sample(v));
    }
  }
  return vs.map((v) => {
    const xs = Float64Array.from(samples.get(v.name)!).sort();
    return { name: v.name, p50Us: percentile(xs, 50), p90Us: percentile(xs, 90), samples: xs.length };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
  const rows = await measureInstantiation(Number(values.rounds));
  console.log(`µs per new WebAssembly.Instance (median and p90 of ${rows[0]!.samples} samples of ${INSTANCES_PER_SAMPLE} instances, garbage collection included)`);
  for (const r of rows) console.log(`${r.name.padEnd(44)} ${r.p50Us.toFixed(2).padStart(6)} ${r.p90Us.toFixed(2).padStart(6)}`);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) await main();
