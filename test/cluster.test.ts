// Three replicas (child processes) sharing one registry on a private nats-server: deploys, rollbacks and deletes
// on one are served by all, a late replica with an empty data dir serves everything, kill -9 mid-deploy leaves the
// old or the new version everywhere, NATS going away leaves serving intact, usage and logs are cluster-wide.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fnBytes, until } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';
import { apiJson, AUTH, deployTo, liveVersion, removeReplica, startReplica, type Replica } from './helpers/cluster.js';
import type { LogEntry } from '../host/observe/log-entry.js';
import type { ReplicaInfo } from '../host/cluster/presence.js';

const test = suite('cluster');

let nats: NatsServer;
let replicas: Replica[] = [];
let hello: Uint8Array;
let shout: Uint8Array;

test.before(async () => {
  nats = await startNats();
  hello = await fnBytes('hello');
  shout = await fnBytes('shout');
  replicas = await Promise.all(['r1', 'r2', 'r3'].map((id) => startReplica(nats.url, id)));
});

test.after(async () => {
  await Promise.all(replicas.map((r) => removeReplica(r)));
  await nats?.dispose();
});

async function call(r: Replica, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${r.url}/fn/${path}`, body === undefined ? {} : { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}

async function everywhere(name: string, version: string | null, among = replicas): Promise<void> {
  await until(async () => (await Promise.all(among.map((r) => liveVersion(r, name)))).every((v) => v === version),
    `every replica serves ${name} at ${String(version)}`);
}

test('a deploy on one replica is served by all; rollback and delete reach every replica', async () => {
  const [r1, r2, r3] = replicas as [Replica, Replica, Replica];
  const first = await deployTo(r1, 'greet', hello);
  assert.is(first.status, 201);
  const v1 = ((await first.json()) as { version: string }).version;
  await everywhere('greet', v1);
  for (const r of replicas) assert.is((await call(r, `greet?name=${r.id}`)).text, `Hello, ${r.id}!`);

  const second = await deployTo(r2, 'greet', shout);
  assert.is(second.status, 201);
  const v2 = ((await second.json()) as { version: string }).version;
  await everywhere('greet', v2);
  for (const r of replicas) assert.is((await call(r, 'greet', 'quiet')).text, 'QUIET');

  const rb = await apiJson<{ version: string }>(r3, '/api/functions/greet/rollback', { method: 'POST' });
  assert.is(rb.status, 200);
  assert.is(rb.body.version, v1);
  await everywhere('greet', v1);
  for (const r of replicas) assert.is((await call(r, 'greet?name=x')).text, 'Hello, x!');

  const info = await apiJson<{ versions: { version: string }[] }>(r2, '/api/functions/greet');
  assert.equal(info.body.versions.map((v) => v.version).sort(), [v1, v2].sort());

  assert.is((await fetch(`${r1.url}/api/functions/greet`, { method: 'DELETE', headers: AUTH })).status, 204);
  await everywhere('greet', null);
  for (const r of replicas) assert.is((await call(r, 'greet')).status, 404);
});

test('two concurrent deploys of one name on two replicas both land: one live everywhere, the other in its history', async () => {
  const [r1, r2] = replicas as [Replica, Replica];
  const [a, b] = await Promise.all([deployTo(r1, 'race', hello), deployTo(r2, 'race', shout)]);
  assert.is(a.status, 201);
  assert.is(b.status, 201);
  const va = ((await a.json()) as { version: string }).version;
  const vb = ((await b.json()) as { version: string }).version;
  let live: string | null = null;
  await until(async () => {
    const vs = await Promise.all(replicas.map((r) => liveVersion(r, 'race')));
    live = vs[0]!;
    return vs.every((v) => v === vs[0]) && (live === va || live === vb);
  }, 'replicas agree on one of the two versions');
  const other = live === va ? vb : va;
  const info = await apiJson<{ history: string[]; versions: { version: string }[] }>(r1, '/api/functions/race');
  assert.ok(info.body.history.includes(other), `the losing version ${other} is on the history stack: ${JSON.stringify(info.body.history)}`);
  assert.ok(info.body.versions.some((v) => v.version === other));
});

test('usage sums every replica\'s invocations; logs show each with its replica; /api/cluster lists the replicas', async () => {
  const [r1] = replicas as [Replica];
  assert.is((await deployTo(r1, 'counted', hello)).status, 201);
  await everywhere('counted', (await liveVersion(r1, 'counted'))!);
  const calls = { r1: 2, r2: 3, r3: 4 } as Record<string, number>;
  for (const r of replicas) for (let i = 0; i < calls[r.id]!; i++) assert.is((await call(r, 'counted')).status, 200);
  for (const r of replicas) {
    await until(async () => (await apiJson<{ invocations: { total: number } }>(r, '/api/functions/counted/usage')).body.invocations.total === 9,
      `usage on ${r.id} totals 9`, 20_000);
  }
  const logs = await apiJson<{ invocations: LogEntry[] }>(replicas[2]!, '/api/functions/counted/logs');
  const byReplica: Record<string, number> = {};
  for (const e of logs.body.invocations) byReplica[e.replica!] = (byReplica[e.replica!] ?? 0) + 1;
  assert.equal(byReplica, calls);

  const cluster = await apiJson<{ replicas: ReplicaInfo[] }>(r1, '/api/cluster');
  assert.is(cluster.status, 200);
  assert.equal(cluster.body.replicas.map((r) => r.id), ['r1', 'r2', 'r3']);
  for (const r of cluster.body.replicas) {
    assert.is(r.url, replicas.find((x) => x.id === r.id)!.url);
    for (const k of ['startedAt', 'lastSeen'] as const) assert.ok(Number.isFinite(Date.parse(r[k])));
    assert.type(r.inflight, 'number');
    assert.type(r.functions, 'number');
  }
  assert.is((await fetch(`${r1.url}/api/cluster`)).status, 401);
});

test('a replica started later with an empty data dir serves every function as soon as it listens', async () => {
  const [r1] = replicas as [Replica];
  assert.is((await deployTo(r1, 'early-a', hello)).status, 201);
  assert.is((await deployTo(r1, 'early-b', shout)).status, 201);
  const late = await startReplica(nats.url, 'late');
  try {
    assert.is((await call(late, 'early-a?name=late')).text, 'Hello, late!');
    assert.is((await call(late, 'early-b', 'late')).text, 'LATE');
    const seen = await apiJson<{ replicas: ReplicaInfo[] }>(r1, '/api/cluster');
    assert.ok(seen.body.replicas.some((r) => r.id === 'late'));
  } finally {
    await removeReplica(late);
  }
  // Stopped in good order, it leaves the list at once rather than after the 15 s window.
  await until(async () => !(await apiJson<{ replicas: ReplicaInfo[] }>(r1, '/api/cluster')).body.replicas.some((r) => r.id === 'late'),
    'the stopped replica is no longer listed');
});

test('kill -9 of the deploying replica at any moment: the old or the new version is live everywhere, never a partial one', async () => {
  const [r1, r2] = replicas as [Replica, Replica];
  const first = await deployTo(r1, 'crashy', hello, 'env=N=0');
  const versions = new Set([((await first.json()) as { version: string }).version]);
  for (const [i, delayMs] of [0, 20, 60, 150].entries()) {
    const victim = await startReplica(nats.url, `victim${i}`);
    const deploying = deployTo(victim, 'crashy', hello, `env=N=${i + 1}`).then(
      async (r) => (r.status === 201 ? ((await r.json()) as { version: string }).version : null), () => null);
    await new Promise((r) => setTimeout(r, delayMs)); // the moment of the kill varies; nothing waits on a state here
    await victim.kill9();
    const answered = await deploying;
    if (answered) versions.add(answered);
    let live: (string | null)[] = [];
    await until(async () => {
      live = await Promise.all([r1, r2].map((r) => liveVersion(r, 'crashy')));
      return live[0] === live[1];
    }, 'the survivors agree');
    const v = live[0]!;
    // The live version is a deploy that was sent: the earlier one, or this one's (answered or not).
    const info = await apiJson<{ version: string; env: string[] }>(r2, '/api/functions/crashy');
    assert.is(info.body.version, v);
    versions.add(v);
    for (const r of [r1, r2]) assert.is((await call(r, 'crashy?name=k')).text, 'Hello, k!');
    await removeReplica(victim);
  }
  // A deploy answered 201 stays: it is live or on the history stack.
  const info = await apiJson<{ versions: { version: string }[] }>(r1, '/api/functions/crashy');
  const stored = new Set(info.body.versions.map((v) => v.version));
  for (const v of versions) assert.ok(stored.has(v), `version ${v} is stored`);
});

test('NATS stopped: replicas keep serving, admin writes answer 503 with Retry-After; restarted: they reconnect and converge', async () => {
  const [r1, r2, r3] = replicas as [Replica, Replica, Replica];
  assert.is((await deployTo(r1, 'steady', hello)).status, 201);
  await everywhere('steady', (await liveVersion(r1, 'steady'))!);
  await nats.stop();
  try {
    for (const r of replicas) {
      await until(async () => (await apiJson<{ nats: { connected: boolean } }>(r, '/healthz')).body.nats.connected === false, `${r.id} sees NATS gone`);
      assert.is((await call(r, `steady?name=${r.id}`)).text, `Hello, ${r.id}!`);
    }
    const refused = await deployTo(r2, 'steady', shout);
    assert.is(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'unavailable');
    const del = await fetch(`${r3.url}/api/functions/steady`, { method: 'DELETE', headers: AUTH });
    assert.is(del.status, 503);
  } finally {
    await nats.start();
  }
  for (const r of replicas) {
    await until(async () => (await apiJson<{ nats: { connected: boolean } }>(r, '/healthz')).body.nats.connected, `${r.id} reconnects`, 20_000);
  }
  let res: Response | null = null;
  await until(async () => {
    res = await deployTo(r3, 'steady', shout);
    return res.status !== 503;
  }, 'a deploy is accepted again', 20_000);
  assert.is(res!.status, 201);
  await everywhere('steady', ((await res!.json()) as { version: string }).version);
  for (const r of replicas) assert.is((await call(r, 'steady', 'back')).text, 'BACK');
});

test.run();
