import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { withHost, fnBytes, tempDir, until, admin, silentLogger, type HostAddress } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';
import { spawnHost, stopHost } from './helpers/process.js';
import { startHost } from '../host/server.js';
import { asyncContract, deployWithConfig, getInvocation, queueCall } from './helpers/async.js';

const test = suite('asynchronous invocations (cluster queue on JetStream)');
const TOKEN = 'async-cluster-token';
let nats: NatsServer;
let clusterSeq = 0;

test.before(async () => {
  nats = await startNats();
});
test.after(async () => {
  await nats.dispose();
});

/** A cluster name of its own per test, so streams and buckets of earlier tests stay out of the way. */
const cluster = () => `async${++clusterSeq}`;

asyncContract(test, (fn) => () => withHost({ natsUrl: nats.url, cluster: cluster(), token: TOKEN, workers: 1 }, (h) => fn(h)));

test('two replicas: a schedule fires once per tick, on one replica', async () => {
  const name = cluster();
  const dirs = [await tempDir(), await tempDir()];
  const hosts = await Promise.all(dirs.map((dataDir) => startHost({ port: 0, workers: 1, logger: silentLogger(), deployExamples: false, natsUrl: nats.url, cluster: name, token: TOKEN, dataDir })));
  try {
    const started = Date.now();
    // Deployed on one replica; the shared registry brings it (and its schedule) to the other.
    assert.is((await deployWithConfig(hosts[0], 'flaky', 'ticker', { schedules: [{ cron: '* * * * * *', path: '/tick' }] })).status, 201);
    await until(async () => (await admin(hosts[1], '/api/functions/ticker')).status === 200, 'the second replica has the function', 10_000);
    // Logs are cluster-wide, so each replica shows every tick: count distinct invocations.
    const ticks = async () => new Set((await Promise.all(hosts.map((h) => logged(h, 'ticker')))).flat()).size;
    await until(async () => (await ticks()) >= 3, 'three ticks', 10_000);
    const elapsedS = (Date.now() - started) / 1000;
    const n = await ticks();
    // Both replicas firing would give two per second.
    assert.ok(n <= Math.ceil(elapsedS) + 1, `${n} invocations in ${elapsedS} s`);
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  }
});

test('queued on one replica, that replica killed with -9: another runs them all', async () => {
  const name = cluster();
  const dirB = await tempDir();
  // B first: the shared consumer takes its ack_wait from the first replica (a short function timeout ceiling here).
  const b = await startHost({ port: 0, workers: 1, logger: silentLogger(), deployExamples: false, natsUrl: nats.url, cluster: name, token: TOKEN, dataDir: dirB, maxima: { memoryMb: 256, timeoutMs: 1000, fuel: 1e12 } });
  const dirA = await tempDir();
  const a = await spawnHost(dirA, { WASMFN_TOKEN: TOKEN, WASMFN_NATS_URL: nats.url, WASMFN_CLUSTER: name, WASMFN_ASYNC_CONCURRENCY: '1' }, ['--no-examples']);
  const hostA: HostAddress = { url: a.url, token: TOKEN };
  try {
    const res = await admin(hostA, '/api/functions/fib', { method: 'PUT', headers: { 'content-type': 'application/wasm' }, body: (await fnBytes('fib')) as Uint8Array<ArrayBuffer> });
    assert.is(res.status, 201);
    await until(async () => (await admin(b, '/api/functions/fib')).status === 200, 'replica B has the function', 10_000);
    const ids: string[] = [];
    for (let i = 0; i < 200; i += 25) ids.push(...(await Promise.all(Array.from({ length: 25 }, () => queueCall(hostA, 'fib?n=27')))));
    a.child.kill('SIGKILL');
    await a.exited;
    const pending = new Set(ids);
    let unfinished = 0;
    for (const id of ids) if ((await getInvocation(b, id)).status !== 'succeeded') unfinished++;
    assert.ok(unfinished > 0, 'some were still queued or running when the replica was killed');
    await until(async () => {
      for (const id of [...pending]) if ((await getInvocation(b, id)).status === 'succeeded') pending.delete(id);
      return pending.size === 0;
    }, 'all 200 succeeded on the surviving replica', 60_000);
  } finally {
    if (a.child.exitCode === null && a.child.signalCode === null) await stopHost(a);
    await b.close();
    await fs.rm(dirA, { recursive: true, force: true });
    await fs.rm(dirB, { recursive: true, force: true });
  }
});

async function logged(h: HostAddress, name: string): Promise<string[]> {
  const res = await admin(h, `/api/functions/${name}/logs?limit=200`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { invocations: { requestId: string }[] }).invocations.map((i) => i.requestId);
}

test.run();
