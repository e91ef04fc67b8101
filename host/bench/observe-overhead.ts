// Measures what observability costs: requests/s on `hello` with metrics and logging on versus off, in alternating rounds.
// Run: npm run bench:observe -- [--rounds 3] [--duration 10] [--connections 50] [--workers N]

import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { sampleProcess } from './thread-cpu.js';

type Mode = 'on' | 'off';
type FromChild = { type: 'ready'; url: string } | { type: 'busy'; mainMs: number; processMs: number };
type ToChild = 'busy' | 'stop';

/**
 * Main-thread and whole-process CPU time, ms: per request they are steadier than req/s on a shared box, since time
 * the thread waits for a CPU is not counted. The main thread's comes from Linux's per-thread stat (10 ms ticks);
 * elsewhere event-loop busy time stands in.
 */
function busy(): FromChild {
  const cpu = process.cpuUsage();
  const mainMs = sampleProcess(process.pid)?.mainMs ?? performance.eventLoopUtilization().active;
  return { type: 'busy', mainMs, processMs: (cpu.user + cpu.system) / 1000 };
}

async function serve(mode: Mode, workers: number | undefined): Promise<void> {
  const { startHost } = await import('../server.js');
  const { createLogger } = await import('../observe/logger.js');
  const { BUILT_FUNCTIONS_DIR } = await import('../examples.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-obs-bench-'));
  // "on" is the host as shipped: JSON lines to stdout at info (the parent points stdout at /dev/null).
  const logger = createLogger(mode === 'on' ? 'info' : 'silent', { pretty: false });
  const host = await startHost({ dataDir, port: 0, deployExamples: false, logger, ...(workers ? { workers } : {}) });
  host.observability.enabled = mode === 'on';
  const bytes = await fs.readFile(path.join(BUILT_FUNCTIONS_DIR, 'hello.wasm'));
  await host.registry.deploy('hello', new Uint8Array(bytes), { limits: {}, env: {} });
  process.send!({ type: 'ready', url: host.url } satisfies FromChild);
  process.on('message', async (m: ToChild) => {
    if (m === 'busy') return process.send!(busy());
    await host.close();
    await fs.rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

interface Sample {
  rps: number;
  mainUsPerReq: number;
  cpuUsPerReq: number;
}

function load(url: string, connections: number, durationS: number): Promise<{ rps: number; requests: number }> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: durationS, pipelining: 1, timeout: 10 }, (err, r) => {
      if (err) return reject(err);
      if (r.errors || r.timeouts) return reject(new Error(`${r.errors} errors, ${r.timeouts} timeouts`));
      // A rare 504 on an overloaded shared box is a data point, not a reason to throw the round away.
      if (r.non2xx) console.warn(`  (${r.non2xx} non-2xx responses in this run)`);
      resolve({ rps: r['2xx'] / r.duration, requests: r['2xx'] });
    });
  });
}

async function measure(mode: Mode, o: { connections: number; durationS: number; workers: number | undefined }): Promise<Sample> {
  const args = ['--serve', mode, ...(o.workers ? ['--workers', String(o.workers)] : [])];
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const next = () => new Promise<FromChild>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const ready = await next();
    if (ready.type !== 'ready') throw new Error('unexpected message from the server');
    const url = `${ready.url}/fn/hello`;
    await load(url, o.connections, 2); // warm-up: JIT, memory pools, connections
    const ask = async () => {
      const reply = next();
      child.send('busy' satisfies ToChild);
      const m = await reply;
      if (m.type !== 'busy') throw new Error('unexpected message from the server');
      return m;
    };
    const before = await ask();
    const { rps, requests } = await load(url, o.connections, o.durationS);
    const after = await ask();
    return {
      rps,
      mainUsPerReq: ((after.mainMs - before.mainMs) * 1000) / requests,
      cpuUsPerReq: ((after.processMs - before.processMs) * 1000) / requests,
    };
  } finally {
    if (child.connected) {
      child.send('stop' satisfies ToChild);
      await new Promise((r) => child.once('exit', r));
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      workers: { type: 'string' },
    },
  });
  const workers = values.workers ? Number(values.workers) : undefined;
  if (values.serve) return serve(values.serve === 'on' ? 'on' : 'off', workers);
  const o = { connections: Number(values.connections), durationS: Number(values.duration), workers };
  const results: Record<Mode, Sample[]> = { on: [], off: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    // Alternating the order cancels drift (thermal, other load) between the two modes.
    for (const mode of (round % 2 ? ['off', 'on'] : ['on', 'off']) as Mode[]) {
      const s = await measure(mode, o);
      results[mode].push(s);
      console.log(`round ${round + 1}  observability ${mode.padEnd(3)}  ${s.rps.toFixed(0)} req/s  main-thread CPU ${s.mainUsPerReq.toFixed(1)} µs/req  process CPU ${s.cpuUsPerReq.toFixed(1)} µs/req`);
    }
  }
  const median = (mode: Mode, k: keyof Sample) => results[mode].map((s) => s[k]).sort((a, b) => a - b)[Math.floor(results[mode].length / 2)]!;
  const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
  const [onRps, offRps] = [median('on', 'rps'), median('off', 'rps')];
  const [onMain, offMain] = [median('on', 'mainUsPerReq'), median('off', 'mainUsPerReq')];
  const [onCpu, offCpu] = [median('on', 'cpuUsPerReq'), median('off', 'cpuUsPerReq')];
  // Rounds drift with whatever else runs on the box; the change within a round, paired, drifts much less.
  const paired = results.on.map((s, i) => (s.rps - results.off[i]!.rps) / results.off[i]!.rps).sort((a, b) => a - b);
  const pairedMedian = paired[Math.floor(paired.length / 2)]!;
  console.log(`median req/s: on ${onRps.toFixed(0)}, off ${offRps.toFixed(0)} (on is ${pct(onRps, offRps)}; median of per-round changes ${(pairedMedian * 100).toFixed(1)}%)`);
  console.log(`median main-thread CPU µs/req: on ${onMain.toFixed(1)}, off ${offMain.toFixed(1)} (+${pct(onMain, offMain)})`);
  console.log(`median process CPU µs/req: on ${onCpu.toFixed(1)}, off ${offCpu.toFixed(1)} (+${pct(onCpu, offCpu)})`);
  console.log(`load: autocannon -c ${o.connections} -d ${o.durationS} <host>/fn/hello (after a 2 s warm-up), ${os.availableParallelism()} CPUs`);
}

await main();
