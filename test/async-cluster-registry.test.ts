import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { tempDir, until, admin, silentLogger, deployBuilt } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';
import { startHost, type RunningHost } from '../host/server.js';
import { deployWithConfig } from './helpers/async.js';
import { newInvocation } from '../host/events/new-invocation.js';
import type { Invocation, InvocationState } from '../host/events/invocation.js';

const test = suite('asynchronous invocations against a cluster registry that converges a moment later');
const TOKEN = 'async-cluster-registry-token';
/** The host's grace for a function a replica has not seen yet (events/async-events.ts). */
const GRACE_MS = 10_000;
let nats: NatsServer;
let seq = 0;

test.before(async () => {
  nats = await startNats();
});
test.after(async () => {
  await nats.dispose();
});

async function withReplicas(n: number, fn: (hosts: RunningHost[]) => Promise<void>): Promise<void> {
  const cluster = `lag${++seq}`;
  const dirs = await Promise.all(Array.from({ length: n }, () => tempDir()));
  const hosts: RunningHost[] = [];
  try {
    for (const dataDir of dirs) hosts.push(await startHost({ port: 0, workers: 1, logger: silentLogger(), deployExamples: false, natsUrl: nats.url, cluster, token: TOKEN, dataDir }));
    await fn(hosts);
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  }
}

const request = (): Invocation['request'] => ({ method: 'GET', path: '/', query: 'name=Later', rawHeaders: [], body: new Uint8Array() });

/** Polls the record until it was handed back untried: queued again, no attempt counted, due later. */
async function postponed(h: RunningHost, id: string): Promise<InvocationState> {
  let s: InvocationState | null = null;
  await until(async () => {
    s = await h.events.get(id);
    return s !== null && s.status === 'queued' && s.attempts === 0 && s.nextAt > s.createdAt;
  }, `invocation ${id} handed back (last: ${JSON.stringify(s)})`, 5000);
  return s!;
}

test('a replica that has not seen the function yet hands the invocation back; it runs once the function arrives', () => withReplicas(1, async ([h]) => {
  assert.is((await deployBuilt(h!, 'hello', 'later')).status, 201);
  const fn = h!.registry.get('later')!;
  assert.is((await admin(h!, '/api/functions/later', { method: 'DELETE' })).status, 204);
  await until(() => h!.registry.get('later') === undefined, 'the function gone');
  // As if queued by a replica that has it already: same function and version, this replica not there yet.
  const inv = newInvocation(fn, request(), null);
  await h!.events.enqueue(inv);
  await postponed(h!, inv.id);
  await deployBuilt(h!, 'hello', 'later');
  assert.is(h!.registry.get('later')!.version, fn.version);
  let s: InvocationState | null = null;
  await until(async () => (s = await h!.events.get(inv.id))?.status === 'succeeded', `succeeded (last: ${JSON.stringify(s)})`, GRACE_MS);
  assert.is(s!.attempts, 1);
  assert.is(s!.result?.body, 'Hello, Later!');
}));

test('a function that never arrives: dead with function_not_found only after the grace', () => withReplicas(1, async ([h]) => {
  assert.is((await deployBuilt(h!, 'hello', 'ghost')).status, 201);
  const fn = h!.registry.get('ghost')!;
  assert.is((await admin(h!, '/api/functions/ghost', { method: 'DELETE' })).status, 204);
  await until(() => h!.registry.get('ghost') === undefined, 'the function gone');
  const inv = newInvocation(fn, request(), null);
  await h!.events.enqueue(inv);
  await postponed(h!, inv.id);
  let s: InvocationState | null = null;
  await until(async () => (s = await h!.events.get(inv.id))?.status === 'dead', `dead (last: ${JSON.stringify(s)})`, GRACE_MS + 10_000);
  assert.is(s!.error?.code, 'function_not_found');
  assert.is(s!.attempts, 1);
  assert.ok(s!.finishedAt! - s!.createdAt >= GRACE_MS, `dead ${s!.finishedAt! - s!.createdAt} ms after it was queued`);
}));

test('two replicas: deleting a function stops its schedules on both', () => withReplicas(2, async (hosts) => {
  assert.is((await deployWithConfig(hosts[0]!, 'hello', 'ticker', { schedules: [{ cron: '* * * * * *', path: '/' }] })).status, 201);
  await until(() => hosts.every((h) => h.events.nextRuns('ticker').length > 0), 'both replicas keep the schedule');
  assert.is((await admin(hosts[0]!, '/api/functions/ticker', { method: 'DELETE' })).status, 204);
  await until(() => hosts.every((h) => h.events.nextRuns('ticker').length === 0), 'no replica keeps the schedule');
  assert.is((await admin(hosts[1]!, '/api/functions/ticker')).status, 404);
}));

test.run();
