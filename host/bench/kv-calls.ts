// `npm run bench:kv`: what a guest's key-value call costs end to end: the worker posts it, waits in Atomics.wait,
// the main thread runs it on the embedded store and wakes the worker. One invocation makes `calls` kv_exists
// calls; its run time over the calls is the per-call figure. Also one increment per request over HTTP, next to a
// request that makes no call, for what a counter adds to a request.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { startHost } from '../server.js';
import { BUILT_FUNCTIONS_DIR } from '../examples.js';
import { createLogger } from '../observe/logger.js';
import { summarize } from './stats.js';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  const calls = 1000;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-bench-kv-'));
  const h = await startHost({ port: 0, workers: 1, dataDir: dir, deployExamples: false, inlineFuel: 0, logger: createLogger('silent') });
  try {
    const put = async (name: string, file: string) => {
      const res = await fetch(`${h.url}/api/functions/${name}`, {
        method: 'PUT', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/wasm' },
        body: await fs.readFile(path.join(BUILT_FUNCTIONS_DIR, file)),
      });
      if (res.status !== 201) throw new Error(`deploy ${name}: ${res.status}`);
    };
    await put('probe', 'cap-probe.wasm');
    await put('kv-counter', 'kv-counter.wasm');
    await put('hello', 'hello.wasm');
    const runMs = (res: Response) => Number(/run;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1]);
    const perCall: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const res = await fetch(`${h.url}/fn/probe?op=ops&n=${calls}`);
      if ((await res.text()) !== `ok ${calls}`) throw new Error('the probe failed');
      perCall.push((runMs(res) * 1000) / calls);
    }
    const request = async (p: string): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < rounds * 10; i++) {
        const t0 = performance.now();
        await (await fetch(`${h.url}${p}`)).text();
        out.push((performance.now() - t0) * 1000);
      }
      return out;
    };
    const incr = summarize(await request('/fn/kv-counter'));
    const plain = summarize(await request('/fn/hello'));
    const perCallS = summarize(perCall);
    const f = (n: number | null) => (n === null ? '-' : n.toFixed(1));
    console.log(`key-value calls, embedded store, ${os.availableParallelism()} cores, Node ${process.version}:`);
    console.log(`  one kv_exists inside an invocation (${rounds} x ${calls} calls)   p50 ${f(perCallS.p50)} µs   p99 ${f(perCallS.p99)} µs`);
    console.log(`  GET /fn/kv-counter (one increment), ${rounds * 10} requests        p50 ${f(incr.p50)} µs   p99 ${f(incr.p99)} µs`);
    console.log(`  GET /fn/hello (no call, pool only), ${rounds * 10} requests        p50 ${f(plain.p50)} µs   p99 ${f(plain.p99)} µs`);
  } finally {
    await h.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) await main();
