// Without NATS the host is as before (no cluster fields in /healthz, no /api/cluster); with NATS it is a replica
// whose /healthz says whether NATS is connected, and in-process hosts on one NATS share their functions.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { admin, deployBuilt, until, withHost } from './helpers/host.js';
import { startNats, type NatsServer } from './helpers/nats.js';

const test = suite('cluster mode');
let nats: NatsServer | null = null;

test.after(async () => {
  await nats?.dispose();
});

test('embedded: /healthz is {"status":"ok"} and /api/cluster does not exist', async () => {
  await withHost({}, async (h) => {
    assert.equal(await (await fetch(`${h.url}/healthz`)).json(), { status: 'ok' });
    assert.is(h.cluster, null);
    const res = await admin(h, '/api/cluster');
    assert.is(res.status, 404);
  });
});

test('replica: /healthz names the replica and NATS connected; a second host on the same NATS serves the deploy', async () => {
  nats = await startNats();
  const common = { natsUrl: nats.url, token: 'cluster-mode-token', cluster: 'cm' };
  await withHost({ ...common, replica: 'one' }, async (one) => {
    assert.equal(await (await fetch(`${one.url}/healthz`)).json(), { status: 'ok', nats: { connected: true }, replica: 'one' });
    await withHost({ ...common, replica: 'two' }, async (two) => {
      assert.is((await deployBuilt(one, 'hello')).status, 201);
      await until(async () => (await fetch(`${two.url}/fn/hello?name=two`).then((r) => r.text())) === 'Hello, two!', 'the second host serves it');
    });
  });
});

test('replicas without WASMFN_REPLICA are named by the port they listen on, even when it was picked (port 0)', async () => {
  nats ??= await startNats();
  const common = { natsUrl: nats.url, token: 'cluster-mode-token', cluster: 'cm-ports', port: 0 };
  await withHost(common, async (one) => {
    await withHost(common, async (two) => {
      const ids = [one, two].map((h) => `:${new URL(h.url).port}`);
      const listed = async () => ((await (await admin(one, '/api/cluster')).json()) as { replicas: { id: string }[] }).replicas.map((r) => r.id);
      await until(async () => (await listed()).length === 2, 'both replicas listed');
      const got = await listed();
      assert.ok(ids.every((suffix) => got.some((id) => id.endsWith(suffix))), `${JSON.stringify(got)} against ports ${ids.join(', ')}`);
    });
  });
});

test('cluster mode without a token is refused at start', async () => {
  nats ??= await startNats();
  try {
    await withHost({ natsUrl: nats.url }, async () => undefined);
    assert.unreachable();
  } catch (e) {
    assert.match(JSON.stringify((e as { details?: string[] }).details ?? (e as Error).message), /WASMFN_TOKEN is required in cluster mode/);
  }
});

test.run();
