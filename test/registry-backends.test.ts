// The registry's contract, run against both backends: the data dir (embedded) and NATS JetStream (a private
// nats-server). Deploy, redeploy, rollback (plain and to a named version), versions and delete behave the same.
// On JetStream, a second registry on another data dir converges on what the first one does.

import fs from 'node:fs/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultOptions } from '../host/config.js';
import { Registry } from '../host/store/registry.js';
import { FunctionStore } from '../host/store/function-store.js';
import type { RegistryBackend } from '../host/store/registry-backend.js';
import { PrepareWorker } from '../host/wasm/prepare-worker.js';
import { connectCluster, type ClusterConnection } from '../host/cluster/connection.js';
import { JetStreamStore } from '../host/cluster/jetstream-store.js';
import { fnBytes, tempDir, until } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';

const preparer = new PrepareWorker();
const opts = defaultOptions();
const newRegistry = (backend: RegistryBackend) => new Registry(backend, opts, (m, o, t) => preparer.prepare(m, o, t));

interface Backend {
  make(dir: string): Promise<RegistryBackend>;
  close(): Promise<void>;
}

let nats: NatsServer | null = null;
const connections: ClusterConnection[] = [];
let clusterN = 0;

const backends: Record<string, () => Promise<Backend>> = {
  embedded: async () => ({ make: async (dir) => new FunctionStore(dir), close: async () => undefined }),
  jetstream: async () => {
    nats ??= await startNats();
    // Each test gets its own cluster prefix on the one server, so their buckets never meet.
    const cluster = `contract${++clusterN}`;
    return {
      make: async (dir) => {
        const c = await connectCluster({ natsUrl: nats!.url, cluster, replica: `r-${dir.slice(-6)}`, port: 0 });
        connections.push(c);
        return new JetStreamStore(c, dir);
      },
      close: async () => undefined,
    };
  },
};

for (const [kind, makeBackend] of Object.entries(backends)) {
  const test = suite(`registry contract: ${kind}`);
  const dirs: string[] = [];
  const registries: RegistryBackend[] = [];
  const fresh = async (b: Backend) => {
    const dir = await tempDir(`wasmfn-contract-${kind}-`);
    dirs.push(dir);
    const store = await b.make(dir);
    registries.push(store);
    const r = newRegistry(store);
    await r.load();
    return r;
  };

  test.after(async () => {
    for (const s of registries) await s.close?.();
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  test('deploy, redeploy, rollback, versions, delete', async () => {
    const b = await makeBackend();
    const r = await fresh(b);
    const hello = await fnBytes('hello');
    const shout = await fnBytes('shout');
    const a = await r.deploy('fn', hello, { env: {}, limits: {} });
    assert.ok(a.created);
    const again = await r.deploy('fn', hello, { env: {}, limits: {} });
    assert.not.ok(again.created);
    assert.is(again.meta.version, a.meta.version);
    const s = await r.deploy('fn', shout, { env: {}, limits: {} });
    assert.ok(s.created);
    assert.is(r.require('fn').version, s.meta.version);
    let v = await r.versions('fn');
    assert.equal(v.history, [a.meta.version]);
    assert.equal(v.versions.map((x) => x.version).sort(), [a.meta.version, s.meta.version].sort());
    assert.is((await r.rollback('fn')).version, a.meta.version);
    assert.is(r.require('fn').version, a.meta.version);
    assert.equal((await r.versions('fn')).history, []);
    assert.is((await r.rollback('fn', s.meta.version)).version, s.meta.version);
    v = await r.versions('fn');
    assert.equal(v.history, [a.meta.version]);
    try {
      await r.rollback('fn', '0123456789abcdef');
      assert.unreachable();
    } catch (e) {
      assert.is((e as { code: string }).code, 'version_not_found');
    }
    await r.remove('fn');
    assert.is(r.get('fn'), undefined);
    assert.not.ok(await r.stored('fn'));
    try {
      await r.remove('fn');
      assert.unreachable();
    } catch (e) {
      assert.is((e as { code: string }).code, 'function_not_found');
    }
    // A name deleted can be deployed again.
    assert.ok((await r.deploy('fn', hello, { env: {}, limits: {} })).meta.version === a.meta.version);
    await b.close();
  });

  if (kind === 'jetstream') {
    test('clusters with different prefixes on one NATS do not see each other', async () => {
      const a = await fresh(await makeBackend());
      const b = await fresh(await makeBackend());
      await a.deploy('apart', await fnBytes('hello'), { env: {}, limits: {} });
      assert.ok(a.get('apart'));
      const c = await fresh(await makeBackend());
      assert.is(b.get('apart'), undefined);
      assert.is(c.get('apart'), undefined);
    });

    test('replicas that start together all open the same buckets, whichever creates them', async () => {
      const b = await makeBackend();
      // Five at once on a fresh prefix: they race to create the function bucket and the module store.
      const all = await Promise.all([1, 2, 3, 4, 5].map(() => fresh(b)));
      const hello = await fnBytes('hello');
      const d = await all[0]!.deploy('together', hello, { env: {}, limits: {} });
      for (const r of all.slice(1)) await until(() => r.get('together')?.version === d.meta.version, 'every replica serves the deploy');
      await b.close();
    });

    test('a second registry on another data dir converges on deploys, rollbacks and deletes', async () => {
      const b = await makeBackend();
      const one = await fresh(b);
      const hello = await fnBytes('hello');
      const a = await one.deploy('shared', hello, { env: {}, limits: {} });
      const two = await fresh(b);
      assert.is(two.require('shared').version, a.meta.version, 'loaded at start');
      const s = await two.deploy('shared', await fnBytes('shout'), { env: {}, limits: {} });
      await until(() => one.get('shared')?.version === s.meta.version, 'the first registry serves the second deploy');
      await one.rollback('shared');
      await until(() => two.get('shared')?.version === a.meta.version, 'the rollback reaches the second');
      await two.remove('shared');
      await until(() => one.get('shared') === undefined, 'the delete reaches the first');
      await b.close();
    });
  }

  test.run();
}

// After every suite above: uvu runs suites one after another, and this one is queued last.
const last = suite('registry contract: teardown');
last('closes the connections and the server', async () => {
  for (const c of connections) await c.close();
  preparer.close();
  await nats?.dispose();
});
last.run();
