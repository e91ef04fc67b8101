// `npm run bench:limits`: what the limits cost. Fuel metering overhead on CPU-heavy code (metered vs plain,
// same module, median of interleaved runs), and how long after its deadline a runaway call gets its 504.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import asc from 'assemblyscript/asc';
import pino from 'pino';
import { prepareModule } from '../wasm/prepare.js';
import { RUNTIME_MODULE, runtimeNamespace } from '../wasm/fuel-contract.js';
import { startHost } from '../server.js';
import { BUILT_FUNCTIONS_DIR } from '../examples.js';

const SOURCE = `export function fib(n: i32): i32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
export function loop(n: i32): i32 { let x: i32 = 0; for (let i = 0; i < n; i++) { x = x * 31 + i; x ^= x >>> 7; } return x; }
export function handle(): void {}`;

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))]!;

type Exports = { fib(n: number): number; loop(n: number): number };

function instance(binary: Uint8Array, fuel: boolean): Exports {
  const p = prepareModule(binary, { memoryMb: 16, fuel, maxTableElements: 100_000, keepAllExports: true });
  const memory = new WebAssembly.Memory({ initial: p.memory!.initialPages, maximum: p.memory!.maximumPages });
  const imports = {
    env: { memory, abort() {} },
    [RUNTIME_MODULE]: runtimeNamespace(1n << 62n),
  };
  return new WebAssembly.Instance(new WebAssembly.Module(p.bytes as Uint8Array<ArrayBuffer>), imports as unknown as WebAssembly.Imports).exports as unknown as Exports;
}

async function fuelOverhead(): Promise<void> {
  const { binary, error } = await asc.compileString(SOURCE, { optimizeLevel: 3, runtime: 'stub' });
  if (!binary) throw new Error(`asc failed: ${error?.message}`);
  const plain = instance(binary, false);
  const metered = instance(binary, true);
  const time = (f: () => void) => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  for (const [name, run] of [['fib(30)', (e: Exports) => e.fib(30)], ['loop(1e8)', (e: Exports) => e.loop(1e8)]] as const) {
    for (let i = 0; i < 5; i++) (run(plain), run(metered));
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 21; i++) {
      a.push(time(() => run(plain)));
      b.push(time(() => run(metered)));
    }
    console.log(`fuel overhead ${name}: plain ${median(a).toFixed(2)} ms, metered ${median(b).toFixed(2)} ms, x${(median(b) / median(a)).toFixed(2)}`);
  }
}

async function deadlineTo504(samples: number): Promise<void> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-bench-limits-'));
  const h = await startHost({ port: 0, dataDir, logger: pino({ level: 'silent' }), deployExamples: false, workers: 2 });
  try {
    const put = (name: string, query: string, bytes: Buffer) =>
      fetch(`${h.url}/api/functions/${name}?${query}`, { method: 'PUT', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/wasm' }, body: new Uint8Array(bytes) });
    await put('lf', 'timeoutMs=200&fuel=1000000000000', await fs.readFile(path.join(BUILT_FUNCTIONS_DIR, 'loop-forever.wasm')));
    await put('hello', '', await fs.readFile(path.join(BUILT_FUNCTIONS_DIR, 'hello.wasm')));
    const late: number[] = [];
    const next: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      const r = await fetch(`${h.url}/fn/lf`);
      await r.text();
      late.push(performance.now() - t - 200);
      t = performance.now();
      const ok = await fetch(`${h.url}/fn/hello`);
      await ok.text();
      next.push(performance.now() - t);
      if (r.status !== 504 || ok.status !== 200) throw new Error(`unexpected statuses ${r.status} ${ok.status}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    console.log(`deadline to 504 (ms past a 200 ms timeout, ${samples} runs): p50 ${pct(late, 0.5).toFixed(1)}, p90 ${pct(late, 0.9).toFixed(1)}, max ${pct(late, 1).toFixed(1)}`);
    console.log(`next call right after the kill (ms): p50 ${pct(next, 0.5).toFixed(1)}, max ${pct(next, 1).toFixed(1)}; workers replaced: ${h.pool.stats().restarts}`);
  } finally {
    await h.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

await fuelOverhead();
await deadlineTo504(Number(process.argv[2] ?? 30));
