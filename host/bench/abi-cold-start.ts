// `npm run bench:abi`: cold start (fresh instance + run, pooled zeroed memory, fuel on) through the worker's own
// Executor for the same greeting in each guest ABI: AssemblyScript SDK, AssemblyScript loader form (the name as
// the body), C through WAGI, Rust through WAGI.

import fs from 'node:fs';
import path from 'node:path';
import { prepareModule } from '../wasm/prepare.js';
import { Executor } from '../sandbox/executor.js';
import { BUILT_FUNCTIONS_DIR } from '../examples.js';
import type { GuestRequest } from '../abi/types.js';
import { requestSource } from '../sandbox/job-codec.js';

const runs = Number(process.argv[2] ?? 20_000);
const WARM_UP = 2_000;
const names = (process.argv[3] ?? 'hello,bench-greet,hello-c,hello-rust').split(',');

const request = (name: string): GuestRequest => ({
  method: 'GET', path: '/', query: 'name=Ada', headers: [['accept', '*/*'], ['user-agent', 'bench']], body: new TextEncoder().encode('Ada'),
  fn: { name, version: 'v1', env: {} },
  server: { host: 'localhost', port: 8080, protocol: 'HTTP/1.1', remoteAddr: '127.0.0.1', fullUrl: `http://localhost:8080/fn/${name}?name=Ada`, matchedRoute: `/fn/${name}` },
});
const quantileUs = (a: number[], p: number) => ([...a].sort((x, y) => x - y)[Math.floor(a.length * p)]! * 1000).toFixed(1);

const executor = new Executor();
for (const name of names) {
  const file = path.join(BUILT_FUNCTIONS_DIR, `${name}.wasm`);
  if (!fs.existsSync(file)) {
    console.log(`${name}: not built (install its toolchain and run npm run build:functions)`);
    continue;
  }
  const p = prepareModule(new Uint8Array(fs.readFileSync(file)), { memoryMb: 16, fuel: true, maxTableElements: 100_000 });
  const job = { module: new WebAssembly.Module(p.bytes as Uint8Array<ArrayBuffer>), abi: p.abi, memory: p.memory, fuel: 1_000_000_000n, request: requestSource(request(name)), maxResponseBytes: 6 << 20 };
  const total: number[] = [];
  const inst: number[] = [];
  for (let i = 0; i < runs + WARM_UP; i++) {
    const t0 = performance.now();
    const r = executor.run(job);
    const t1 = performance.now();
    executor.recycle();
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    if (i >= WARM_UP) {
      total.push(t1 - t0);
      inst.push(r.instantiateMs);
    }
  }
  console.log(`${name.padEnd(11)} ${p.abi.padEnd(5)} instantiate+run p50 ${quantileUs(total, 0.5).padStart(5)} µs, p99 ${quantileUs(total, 0.99).padStart(6)} µs (instantiate p50 ${quantileUs(inst, 0.5)} µs, ${runs} runs)`);
}
