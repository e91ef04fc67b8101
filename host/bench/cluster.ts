// `npm run bench:cluster`: three replicas on a private nats-server. (1) Convergence: the time from a deploy's 201
// until every replica serves the new version (polled on each replica's admin API), over N deploys made in turn on
// each replica. (2) Throughput of one function through one replica against all three at once (autocannon). On a
// machine with fewer cores than replicas x workers, (2) shows the cost of more processes, not scaling.
//   node dist/host/bench/cluster.js [--deploys 50] [--duration 5] [--connections 30] [--workers 1]

import fs from 'node:fs';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startNatsServer, startReplica, type Proc } from './cluster-processes.js';
import { summarize } from './stats.js';
import { load } from './http-load.js';

const HELLO = fileURLToPath(new URL('../../functions/hello.wasm', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      deploys: { type: 'string', default: '50' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '30' },
      workers: { type: 'string', default: '1' },
    },
  });
  const deploys = Number(values.deploys);
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const workers = Number(values.workers);
  const token = crypto.randomBytes(16).toString('hex');
  const auth = { authorization: `Bearer ${token}` };
  const hello = fs.readFileSync(HELLO);

  const nats = await startNatsServer();
  const replicas: Proc[] = [];
  try {
    for (const id of ['b1', 'b2', 'b3']) replicas.push(await startReplica(nats.url, id, token, workers));

    const servedAt = async (r: Proc, version: string): Promise<void> => {
      for (;;) {
        const res = await fetch(`${r.url}/api/functions/bench`, { headers: auth });
        if (res.ok && ((await res.json()) as { version: string }).version === version) return;
        else if (!res.ok) await res.arrayBuffer();
        await new Promise((x) => setTimeout(x, 1));
      }
    };
    const convergeMs: number[] = [];
    for (let i = 0; i < deploys; i++) {
      const via = replicas[i % replicas.length]!;
      const res = await fetch(`${via.url}/api/functions/bench?env=N=${i}-${Date.now()}`, {
        method: 'PUT', headers: { ...auth, 'content-type': 'application/wasm' }, body: hello,
      });
      if (res.status !== 201) throw new Error(`deploy ${i}: ${res.status} ${await res.text()}`);
      const t0 = performance.now();
      const { version } = (await res.json()) as { version: string };
      await Promise.all(replicas.map((r) => servedAt(r, version)));
      convergeMs.push(performance.now() - t0);
    }
    const conv = summarize(convergeMs);

    const target = (r: Proc) => ({ url: `${r.url}/fn/bench?name=bench`, method: 'GET' as const });
    await load(target(replicas[0]!), connections, 1); // warm-up
    const one = await load(target(replicas[0]!), connections, durationS);
    const per = Math.max(1, Math.round(connections / replicas.length));
    const three = await Promise.all(replicas.map((r) => load(target(r), per, durationS)));
    const threeRps = Math.round(three.reduce((s, r) => s + r.requestsPerSec, 0) * 10) / 10;

    const result = {
      machine: { cores: (await import('node:os')).availableParallelism(), node: process.version },
      settings: { deploys, durationS, connections, workersPerReplica: workers },
      convergenceMs: { p50: conv.p50, p99: conv.p99, max: conv.max, n: conv.n },
      requestsPerSec: { oneReplica: one.requestsPerSec, threeReplicas: threeRps, errors: one.errors + three.reduce((s, r) => s + r.errors, 0) },
    };
    fs.mkdirSync('bench-results', { recursive: true });
    fs.writeFileSync('bench-results/cluster.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(`deploy 201 -> served by all 3 replicas, over ${conv.n} deploys: p50 ${conv.p50} ms, p99 ${conv.p99} ms, max ${conv.max} ms`);
    console.log(`GET /fn/bench, ${connections} connections, ${durationS} s: one replica ${one.requestsPerSec} req/s; three replicas ${threeRps} req/s`);
    console.log('written to bench-results/cluster.json');
  } finally {
    for (const r of replicas) await r.stop();
    await nats.stop();
  }
}

await main();
