// `node dist/host/bench/body-read.js [--rounds N] [--connections N] [--duration S]`: what reading a small request
// body costs a Node HTTP server's main thread, through the stream's async iterator against the host's own reader
// (readIncomingBody, on the stream's events). Each mode serves in a child process of its own, alternating
// round by round; the figure is the child's main-thread CPU per request, read from /proc.

import http from 'node:http';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readIncomingBody } from '../http/incoming.js';
import { BodyBudget } from '../http/body-budget.js';
import { sampleProcess } from './thread-cpu.js';
import { load } from './http-load.js';

type Mode = 'iterator' | 'events';
const MODES: readonly Mode[] = ['iterator', 'events'];
const BODY = 'world';

function serve(mode: Mode): void {
  const budget = new BodyBudget(64 * 1024 * 1024);
  const read = async (req: http.IncomingMessage): Promise<number> => {
    if (mode === 'events') {
      const body = await readIncomingBody(req, Number(req.headers['content-length'] ?? -1), 1024 * 1024, budget);
      budget.give(body.byteLength);
      return body.byteLength;
    }
    let n = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) n += chunk.byteLength;
    return n;
  };
  const server = http.createServer((req, res) => {
    read(req).then((n) => res.end(String(n)), () => res.destroy());
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.send!({ url: `http://127.0.0.1:${port}/` });
  });
  process.on('disconnect', () => process.exit(0));
}

/** Requests answered 2xx in one run; any error or other status fails the measurement. */
async function answered(url: string, connections: number, durationS: number): Promise<number> {
  const run = await load({ url, method: 'POST', body: BODY }, connections, durationS);
  if (run.errors || run.non2xx) throw new Error(`${run.errors} errors, ${run.non2xx} non-2xx`);
  return run.requests;
}

async function measure(mode: Mode, connections: number, durationS: number): Promise<number> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', mode], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    await answered(url, connections, 1); // warm-up
    const before = sampleProcess(child.pid!);
    const requests = await answered(url, connections, durationS);
    const after = sampleProcess(child.pid!);
    if (!before || !after) throw new Error('CPU time needs Linux /proc');
    return ((after.mainMs - before.mainMs) * 1000) / requests;
  } finally {
    child.disconnect();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { serve: { type: 'string' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '10' }, duration: { type: 'string', default: '4' } } });
  if (values.serve) return serve(values.serve as Mode);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const seen: Record<Mode, number[]> = { iterator: [], events: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of MODES) seen[mode].push(await measure(mode, connections, Number(values.duration)));
  }
  console.log(`main-thread CPU per POST of a ${BODY.length}-byte body, µs, ${connections} connections, ${rounds} alternating rounds`);
  for (const mode of MODES) console.log(`${mode.padEnd(9)} ${seen[mode].map((v) => v.toFixed(1)).join(' / ')}`);
}

void main();
