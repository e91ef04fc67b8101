// Two replicas sharing one NATS: a guest's key-value store is a JetStream bucket both see.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { withHost, tempDir, deployBuilt, admin } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';

const t = suite('kv across replicas');
let nats: NatsServer;

t.before(async () => {
  nats = await startNats();
});
t.after(async () => {
  await nats.dispose();
});

t('kv-counter counts across two replicas and the admin route sees the same store', async () => {
  const dirs = [await tempDir(), await tempDir()];
  const common = { natsUrl: nats.url, token: 'cluster-test-token', cluster: 'kvrep' };
  try {
    await withHost({ ...common, dataDir: dirs[0], replica: 'a' }, async (a) => {
      await withHost({ ...common, dataDir: dirs[1], replica: 'b' }, async (b) => {
        // Each replica gets the function (the registry is per replica here); the store is the cluster's.
        await deployBuilt(a, 'kv-counter');
        await deployBuilt(b, 'kv-counter');
        const seen: string[] = [];
        for (let i = 0; i < 6; i++) seen.push(await (await fetch(`${(i % 2 ? b : a).url}/fn/kv-counter`)).text());
        assert.equal(seen, ['1', '2', '3', '4', '5', '6']);
        const both = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${(i % 2 ? b : a).url}/fn/kv-counter`).then((r) => r.text())));
        assert.equal(both.map(Number).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 7));
        assert.is(await (await admin(b, '/api/kv/kv-counter/count')).text(), '46');
        assert.is((await admin(a, '/api/kv/shared/k', { method: 'PUT', body: 'v' })).status, 204);
        assert.equal(await (await admin(b, '/api/kv/shared')).json(), { keys: ['k'], cursor: null });
      });
    });
    // The count outlives both replicas: it lives in NATS, not in their data dirs.
    await withHost({ ...common, dataDir: dirs[0], replica: 'a' }, async (a) => {
      assert.is(await (await fetch(`${a.url}/fn/kv-counter`)).text(), '47');
    });
  } finally {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  }
});

t('while NATS is down a guest gets unavailable at once, and counting goes on once it is back', async () => {
  const dir = await tempDir();
  try {
    await withHost({ natsUrl: nats.url, token: 'cluster-test-token', cluster: 'kvout', dataDir: dir }, async (h) => {
      await deployBuilt(h, 'kv-counter');
      assert.is(await (await fetch(`${h.url}/fn/kv-counter`)).text(), '1');
      await nats.stop();
      const down = Date.now() + 10_000;
      while (h.cluster!.connected() && Date.now() < down) await new Promise((r) => setTimeout(r, 20));
      const res = await fetch(`${h.url}/fn/kv-counter`);
      assert.is(res.status, 503);
      assert.match(await res.text(), /kv error: unavailable/);
      await nats.start();
      const up = Date.now() + 15_000;
      while (!h.cluster!.connected() && Date.now() < up) await new Promise((r) => setTimeout(r, 20));
      assert.is(await (await fetch(`${h.url}/fn/kv-counter`)).text(), '2');
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

t.run();
