// `npm run bench:call-parts [-- --connections 50 --duration 6 --loop-calls 20000]`: what each part of a call costs
// when it runs between HTTP requests, as the host's fast path runs it, against the same parts run back to back.
// A server process answers every request with one part, taking the parts in turn call by call, and times the part
// alone; the machine's drift then falls on every part alike. After the load the same process runs the parts back
// to back, in turn too. The parts: nothing, a new instance of the emptiest module (the floor of any per-request
// instance on V8), a new instance of `hello` as deployed (not run), and `hello` through the sandbox's Executor, split
// into instantiation, run and the memory's zeroing.

import { fork, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { Executor } from '../sandbox/executor.js';
import { requestSource } from '../sandbox/job-codec.js';
import { deployHello, FUEL, helloRequest, MAX_RESPONSE_BYTES } from './contenders/executor-common.js';
import { EXPECTED } from './contender.js';
import { readGuest } from './guests.js';
import { helloInstanceCall } from './instantiate-parts.js';
import { load } from './http-load.js';
import { emptyInstanceCall } from './wat-modules.js';

export const PARTS = ['nothing', 'empty instance', 'hello instance', 'hello call'] as const;
type Part = (typeof PARTS)[number];

/** µs per call, mean over the calls of one phase. `hello call` also splits into its three stages. */
export interface PartTimes { part: Part; calls: number; us: number; instantiateUs?: number; runUs?: number; zeroUs?: number }
export interface CallParts { overHttp: PartTimes[]; backToBack: PartTimes[]; requestsPerSec: number; connections: number }

type ToChild = { type: 'report' } | { type: 'loop'; calls: number } | { type: 'stop' };
type FromChild = { type: 'ready'; url: string } | { type: 'times'; times: PartTimes[] };

interface Tally { calls: number; ms: number; instantiateMs: number; runMs: number; zeroMs: number }

async function makeParts(): Promise<(part: Part, t: Tally) => void> {
  const hello = await deployHello(await readGuest('hello'));
  const callEmpty = emptyInstanceCall();
  const helloInstance = helloInstanceCall(hello);
  const executor = new Executor();
  const request = requestSource(helloRequest());
  const decoder = new TextDecoder();
  return (part, t) => {
    if (part === 'empty instance') callEmpty();
    else if (part === 'hello instance') helloInstance();
    else if (part === 'hello call') {
      const r = executor.run({ module: hello.module, abi: hello.abi, memory: hello.memory, fuel: FUEL, request, maxResponseBytes: MAX_RESPONSE_BYTES });
      if (!r.ok || decoder.decode(r.response.body) !== EXPECTED) throw new Error(`hello failed: ${JSON.stringify(r.ok ? 'wrong body' : r.error)}`);
      t.instantiateMs += r.instantiateMs;
      t.runMs += r.runMs;
      const z0 = performance.now();
      executor.recycle();
      t.zeroMs += performance.now() - z0;
    }
  };
}

function timesOf(tallies: Map<Part, Tally>): PartTimes[] {
  const us = (ms: number, n: number) => (n === 0 ? 0 : (ms * 1000) / n);
  return PARTS.map((part) => {
    const t = tallies.get(part)!;
    const row: PartTimes = { part, calls: t.calls, us: us(t.ms, t.calls) };
    if (part === 'hello call') Object.assign(row, { instantiateUs: us(t.instantiateMs, t.calls), runUs: us(t.runMs, t.calls), zeroUs: us(t.zeroMs, t.calls) });
    return row;
  });
}

function freshTallies(): Map<Part, Tally> {
  return new Map(PARTS.map((p) => [p, { calls: 0, ms: 0, instantiateMs: 0, runMs: 0, zeroMs: 0 }]));
}

async function server(): Promise<void> {
  const run = await makeParts();
  let tallies = freshTallies();
  let next = 0;
  const timed = (part: Part) => {
    const t = tallies.get(part)!;
    const t0 = performance.now();
    run(part, t);
    t.ms += performance.now() - t0;
    t.calls++;
  };
  const app = new Hono();
  app.get('/', (c) => {
    timed(PARTS[next++ % PARTS.length]!);
    return c.text(EXPECTED);
  });
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    process.send!({ type: 'ready', url: `http://127.0.0.1:${info.port}/` } satisfies FromChild);
  });
  process.on('message', (m: ToChild) => {
    if (m.type === 'stop') return void s.close(() => process.exit(0));
    if (m.type === 'loop') {
      tallies = freshTallies();
      for (let i = 0; i < m.calls; i++) timed(PARTS[i % PARTS.length]!);
    }
    process.send!({ type: 'times', times: timesOf(tallies) } satisfies FromChild);
    tallies = freshTallies();
  });
}

export async function measureCallParts(o: { connections: number; durationS: number; warmupS: number; loopCalls: number }): Promise<CallParts> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = () => new Promise<FromChild>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  const ask = async (m: ToChild): Promise<PartTimes[]> => {
    const reply = next();
    child.send(m);
    const r = await reply;
    if (r.type !== 'times') throw new Error('unexpected message from the server');
    return r.times;
  };
  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error('unexpected message from the server');
    if (o.warmupS > 0) await load({ url: ready.url, method: 'GET' }, o.connections, o.warmupS);
    await ask({ type: 'report' }); // drops the warm-up's tallies
    const run = await load({ url: ready.url, method: 'GET' }, o.connections, o.durationS);
    if (run.errors > 0 || run.non2xx > 0) throw new Error(`${run.errors} errors and ${run.non2xx} non-2xx answers under load`);
    const overHttp = await ask({ type: 'report' });
    const backToBack = await ask({ type: 'loop', calls: o.loopCalls });
    return { overHttp, backToBack, requestsPerSec: run.requestsPerSec, connections: o.connections };
  } finally {
    if (child.connected) {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' } satisfies ToChild);
      await exited;
    }
  }
}

function print(r: CallParts, o: { durationS: number }): void {
  const f = (x: number | undefined) => (x === undefined ? '' : x.toFixed(2)).padStart(10);
  console.log(`µs per call, by part: wall time of the part alone, mean (parts taken in turn, call by call)`);
  console.log(`${'part'.padEnd(30)} ${'over HTTP'.padStart(10)} ${'in a loop'.padStart(10)}`);
  for (let i = 0; i < PARTS.length; i++) {
    const a = r.overHttp[i]!;
    const b = r.backToBack[i]!;
    console.log(`${a.part.padEnd(30)} ${f(a.us)} ${f(b.us)}`);
    if (a.part === 'hello call') {
      console.log(`${'  instantiate'.padEnd(30)} ${f(a.instantiateUs)} ${f(b.instantiateUs)}`);
      console.log(`${'  run'.padEnd(30)} ${f(a.runUs)} ${f(b.runUs)}`);
      console.log(`${'  zero the memory'.padEnd(30)} ${f(a.zeroUs)} ${f(b.zeroUs)}`);
    }
  }
  console.log(`over HTTP: autocannon -c ${r.connections} -d ${o.durationS} on a Hono route, ${r.overHttp[0]!.calls} calls of each part (${r.requestsPerSec.toFixed(0)} req/s); in a loop: ${r.backToBack[0]!.calls} calls of each`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '6' },
      'loop-calls': { type: 'string', default: '80000' },
    },
  });
  if (values.serve) return server();
  const o = { connections: Number(values.connections), durationS: Number(values.duration), warmupS: 2, loopCalls: Number(values['loop-calls']) };
  print(await measureCallParts(o), o);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) await main();
