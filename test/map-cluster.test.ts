// POST /map/:name in a cluster of three replicas on a private nats-server: items are spread over the replicas in
// batches, and a replica killed with -9 mid-map costs resent batches, not items.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import fs from 'node:fs/promises';
import { fnBytes, tempDir, until, silentLogger } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';
import { CLUSTER_TOKEN, deployTo, liveVersion, startReplica, removeReplica, type Replica } from './helpers/cluster.js';
import { startHost, type RunningHost } from '../host/server.js';

const test = suite('map over a cluster');
let nats: NatsServer;
let clusterSeq = 0;

test.before(async () => {
  nats = await startNats();
});
test.after(async () => {
  await nats.dispose();
});

const clusterName = () => `mapcl${++clusterSeq}`;

async function inProcess(cluster: string, n: number): Promise<{ hosts: RunningHost[]; close(): Promise<void> }> {
  const dirs = await Promise.all(Array.from({ length: n }, () => tempDir()));
  const hosts = await Promise.all(dirs.map((dataDir) => startHost({ port: 0, workers: 1, logger: silentLogger(), deployExamples: false, natsUrl: nats.url, cluster, token: CLUSTER_TOKEN, dataDir })));
  return {
    hosts,
    close: async () => {
      await Promise.all(hosts.map((h) => h.close()));
      await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
    },
  };
}

/** A counter of a replica's /metrics (summed over its labels matching `labels`), 0 when absent. */
async function metric(r: { url: string }, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${r.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function deployEverywhere(replicas: { url: string }[], name: string, fixture: string, query = ''): Promise<void> {
  const res = await deployTo(replicas[0]!, name, await fnBytes(fixture), query);
  assert.ok(res.status === 201 || res.status === 200, await res.text());
  const version = await liveVersion(replicas[0]!, name);
  await until(async () => (await Promise.all(replicas.map((r) => liveVersion(r, name)))).every((v) => v === version),
    `every replica serves ${name} at ${version}`, 20_000);
}

/** `n` JSON items, each naming its index. */
const numbered = (n: number): string[] => Array.from({ length: n }, (_, i) => JSON.stringify({ i }));

/** Items each replica ran for map batches, from its /metrics. */
const ranPerReplica = (hosts: { url: string }[]) => Promise.all(hosts.map((h) => metric(h, 'wasmfn_map_batch_items_total')));

interface OutLine { index: number; status?: number; body?: string; error?: { code: string; message: string } }

/** Every index once, in order, each a 200 with the body `expected(i)`. */
function assertAll(raw: string, n: number, expected: (i: number) => string): void {
  const lines = raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutLine);
  const errors = lines.filter((l) => l.error || l.status !== 200);
  assert.equal(errors.slice(0, 3), [], `${errors.length} lines are not a 200`);
  assert.is(lines.length, n);
  lines.forEach((l, i) => {
    if (l.index !== i) assert.unreachable(`line ${i} has index ${l.index}`);
    if (l.body !== expected(i)) assert.unreachable(`line ${i} has body ${JSON.stringify(l.body)}, not ${JSON.stringify(expected(i))}`);
  });
}

test('one replica alone maps as embedded: envelopes, headers, bytes and errors cross NATS intact', async () => {
  const c = await inProcess(clusterName(), 1);
  try {
    await deployEverywhere(c.hosts, 'echo', 'echo');
    await deployEverywhere(c.hosts, 'probe', 'sdk-probe');
    await deployEverywhere(c.hosts, 'boom', 'abort-message');
    const env = [
      JSON.stringify({ method: 'put', path: '/a/b?x=1', headers: { 'x-one': 'v' }, body: 'hello' }),
      'not json',
    ].join('\n');
    const echoed = (await (await fetch(`${c.hosts[0]!.url}/map/echo?envelope=1&headers=1`, { method: 'POST', body: env })).text()).trim().split('\n').map((l) => JSON.parse(l));
    const first = JSON.parse(echoed[0].body);
    assert.equal([echoed[0].index, first.method, first.path, first.headers['x-one'], first.body], [0, 'PUT', '/a/b', 'v', 'hello']);
    assert.is(echoed[0].headers['content-type'], 'application/json');
    assert.equal(echoed[1], { index: 1, error: { code: 'bad_request', message: 'the line is not valid JSON' } });
    const bin = JSON.parse(await (await fetch(`${c.hosts[0]!.url}/map/probe?envelope=1`, { method: 'POST', body: JSON.stringify({ path: '/bytes', bodyBase64: 'AP7/' }) })).text());
    assert.is(Buffer.from(bin.bodyBase64, 'base64').toString('hex'), 'fffe00');
    const trapped = (await (await fetch(`${c.hosts[0]!.url}/map/boom`, { method: 'POST', body: '1\n2\n' })).text()).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(trapped.map((l) => [l.index, l.error?.code]), [[0, 'trap'], [1, 'trap']]);
    assert.is(await metric(c.hosts[0]!, 'wasmfn_map_batch_items_total'), 4);
  } finally {
    await c.close();
  }
});

test('without ?concurrency, a map keeps every replica\'s workers busy: the default is their sum', async () => {
  const c = await inProcess(clusterName(), 3);
  try {
    await deployEverywhere(c.hosts, 'probe', 'map-probe');
    const concurrency = async () => (await fetch(`${c.hosts[0]!.url}/map/probe`, { method: 'POST', body: '1\n' })).headers.get('x-wasmfn-map-concurrency');
    // One worker each: 3 once the coordinator's heartbeat has seen the other two.
    await until(async () => (await concurrency()) === '3', 'the default concurrency counts the three replicas\' workers', 20_000);
    const before = await ranPerReplica(c.hosts);
    const n = 300;
    const items = numbered(n);
    const res = await fetch(`${c.hosts[0]!.url}/map/probe`, { method: 'POST', body: items.join('\n') });
    assertAll(await res.text(), n, (i) => items[i]!);
    const ran = (await ranPerReplica(c.hosts)).map((x, i) => x - before[i]!);
    assert.ok(ran.filter((x) => x > 0).length > 1, `items run per replica: ${ran.join(', ')}`);
  } finally {
    await c.close();
  }
});

test('3,000 items on one replica of three: each index once, in order, run on several replicas', async () => {
  const c = await inProcess(clusterName(), 3);
  try {
    await deployEverywhere(c.hosts, 'probe', 'map-probe');
    const n = 3000;
    const items = numbered(n);
    const res = await fetch(`${c.hosts[0]!.url}/map/probe?concurrency=48`, { method: 'POST', body: items.join('\n') + '\n' });
    assert.is(res.status, 200);
    assertAll(await res.text(), n, (i) => items[i]!);
    const ran = await ranPerReplica(c.hosts);
    assert.ok(ran.reduce((a, b) => a + b, 0) >= n, `items run per replica: ${ran.join(', ')}`);
    assert.ok(ran.filter((x) => x > 0).length > 1, `items run per replica: ${ran.join(', ')}`);
  } finally {
    await c.close();
  }
});

test('a replica killed with -9 mid-map: every index once, no error line', async () => {
  const name = clusterName();
  const c = await inProcess(name, 2);
  let killed: Replica | null = null;
  try {
    killed = await startReplica(nats.url, 'doomed', { env: { WASMFN_CLUSTER: name } });
    const all = [...c.hosts, killed];
    await deployEverywhere(all, 'slow', 'map-probe', 'timeoutMs=5000');
    const spin = 24;
    const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));
    const item = (i: number) => JSON.stringify({ path: `/?spin=${spin}`, body: String(i) });
    const expected = (i: number) => `${i} ${fib(spin)}`;

    // Items flow in until the doomed replica has run some and been killed, then 600 more.
    const url = new URL(`${c.hosts[0]!.url}/map/slow?envelope=1&concurrency=24`);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST' });
    let answered = 0;
    const response = new Promise<string>((resolve, reject) => {
      req.once('response', (res) => {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          raw += d;
          for (let k = d.indexOf('\n'); k >= 0; k = d.indexOf('\n', k + 1)) answered++;
        });
        res.once('end', () => resolve(raw));
        res.once('error', reject);
      });
      req.once('error', reject);
    });
    let sent = 0;
    let stopAt = Infinity;
    const writing = (async () => {
      while (sent < stopAt) {
        // A few hundred items ahead of the answers: the map is in progress whenever the replica dies.
        while (sent - answered >= 300) await new Promise((r) => setTimeout(r, 5));
        const chunk: string[] = [];
        for (let k = 0; k < 20 && sent < stopAt; k++) chunk.push(item(sent++));
        if (!req.write(chunk.join('\n') + '\n')) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })();
    await until(async () => (await metric(killed!, 'wasmfn_map_batch_items_total')) > 0, 'the doomed replica ran map items', 60_000);
    await killed.kill9();
    stopAt = sent + 600;
    await writing;
    assertAll(await response, sent, expected);
    const resent = await metric(c.hosts[0]!, 'wasmfn_map_batches_total', 'outcome="resent"');
    const local = await metric(c.hosts[0]!, 'wasmfn_map_batches_total', 'outcome="local"');
    console.log(`  ${sent} items; batches resent ${resent}, run on the coordinator after the last send ${local}`);
  } finally {
    if (killed) await removeReplica(killed);
    await c.close();
  }
});

test('NATS away: the coordinator runs the batches itself at once, and every item is answered', async () => {
  const c = await inProcess(clusterName(), 2);
  try {
    await deployEverywhere(c.hosts, 'probe', 'map-probe');
    await nats.stop();
    try {
      await until(async () => ((await (await fetch(`${c.hosts[0]!.url}/healthz`)).json()) as { nats: { connected: boolean } }).nats.connected === false,
        'the coordinator sees NATS gone', 20_000);
      const n = 200;
      const items = numbered(n);
      const res = await fetch(`${c.hosts[0]!.url}/map/probe?concurrency=8`, { method: 'POST', body: items.join('\n') });
      assertAll(await res.text(), n, (i) => items[i]!);
      assert.ok(await metric(c.hosts[0]!, 'wasmfn_map_batches_total', 'outcome="local"') > 0, 'batches ran on the coordinator');
      assert.is(await metric(c.hosts[1]!, 'wasmfn_map_batch_items_total'), 0, 'no item reached the other replica');
    } finally {
      await nats.start();
    }
  } finally {
    await c.close();
  }
});

test.run();
