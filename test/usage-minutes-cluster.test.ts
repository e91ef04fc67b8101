import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { tempDir, until, admin, silentLogger, deployBuilt } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';
import { startHost, type RunningHost } from '../host/server.js';

const test = suite('GET /api/usage/minutes in cluster mode: every replica\'s calls');
let nats: NatsServer;

test.before(async () => {
  nats = await startNats();
});
test.after(async () => {
  await nats.dispose();
});

interface Minutes { functions: { function: string; lastCall: string | null; summary: { invocations: number }; points: { invocations: number }[] }[] }

async function minutes(h: RunningHost): Promise<Minutes['functions'][number] | undefined> {
  const res = await admin(h, '/api/usage/minutes?function=hello');
  assert.is(res.status, 200);
  return ((await res.json()) as Minutes).functions[0];
}

test('calls served by one replica show on the other, in the totals, the points and the last call', async () => {
  const dirs = [await tempDir(), await tempDir()];
  const hosts: RunningHost[] = [];
  try {
    for (const [i, dataDir] of dirs.entries()) hosts.push(await startHost({ replica: `u${i}`, port: 0, workers: 1, logger: silentLogger(), deployExamples: false, natsUrl: nats.url, cluster: 'usagemin', token: 'usage-min-token', dataDir }));
    const [a, b] = hosts as [RunningHost, RunningHost];
    await deployBuilt(a, 'hello');
    await until(() => b.registry.get('hello') !== undefined, 'replica B has the function');
    assert.is((await minutes(a))?.lastCall, null);
    const before = Date.now();
    for (let i = 0; i < 3; i++) assert.is((await fetch(`${b.url}/fn/hello`)).status, 200);
    let seen: Awaited<ReturnType<typeof minutes>>;
    await until(async () => (seen = await minutes(a))?.summary.invocations === 3, 'replica A counts the calls B served', 15_000);
    assert.is(seen!.points.reduce((n, p) => n + p.invocations, 0), 3);
    assert.ok(seen!.lastCall !== null && Date.parse(seen!.lastCall) >= before - 1000, `last call ${seen!.lastCall}`);
    // B counts its own once, not its own plus its own snapshot.
    assert.is((await minutes(b))?.summary.invocations, 3);
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  }
});

test.run();
