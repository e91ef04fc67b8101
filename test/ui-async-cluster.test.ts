// The dashboard against the async and cluster routes in a real browser: a dead letter listed and retried from the
// page, and the replicas of a cluster (a real nats-server, two hosts).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { withHost, tempDir, until, admin, silentLogger, type HostAddress } from './helpers/host.js';
import { launchBrowser, UI_WAIT_MS } from './helpers/browser.js';
import { startNats, type NatsServer } from './helpers/nats.js';
import { deployWithConfig, queueCall, waitFor, getInvocation } from './helpers/async.js';
import { startHost, type RunningHost } from '../host/server.js';
import { bundleUi } from '../host/ui/bundle.js';

const test = suite('ui: dead letters and replicas in a browser');
let browser: Browser;
let nats: NatsServer;

test.before(async () => {
  await bundleUi();
  browser = await launchBrowser();
  nats = await startNats();
});

test.after(async () => {
  await browser?.close();
  await nats?.dispose();
});

async function openWithToken(h: HostAddress, hash = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_WAIT_MS);
  await page.goto(`${h.url}/`);
  await page.getByLabel('Admin token').fill(h.token);
  await page.getByRole('button', { name: 'Save token' }).click();
  await page.getByRole('heading', { name: 'Functions' }).waitFor();
  if (hash) await page.goto(`${h.url}/ui/${hash}`);
  return page;
}

for (const mode of ['embedded', 'cluster'] as const) test(`${mode}: a dead letter is listed on the function page and retried from it until it succeeds`, async () => {
  const opts = mode === 'cluster' ? { natsUrl: nats.url, cluster: 'uidead', token: 'ui-dead-token' } : {};
  await withHost(opts, async (h) => {
    // One attempt, and the first traps: dead at once; the retry is attempt 2, which succeeds.
    assert.is((await deployWithConfig(h, 'flaky', 'flaky', { async: { maxAttempts: 1 } })).status, 201);
    const id = await queueCall(h, 'flaky?succeedAt=2');
    assert.is((await waitFor(h, id, ['dead'])).error?.code, 'trap');

    const page = await openWithToken(h, '#/functions/flaky');
    const dead = page.getByRole('region', { name: 'Dead letters' });
    const row = dead.getByRole('row').filter({ hasText: id });
    await row.waitFor();
    assert.match(await row.innerText(), /trap/);
    await row.getByRole('button', { name: 'Retry' }).click();
    await dead.getByRole('status').filter({ hasText: `Retrying ${id}` }).waitFor();
    // Followed on the page until it ends, and gone from the dead letters.
    await dead.getByRole('list', { name: 'Retried invocations' }).getByText(new RegExp(`${id}.*succeeded`)).waitFor();
    await row.waitFor({ state: 'detached' });
    const v = await getInvocation(h, id);
    assert.is(v.status, 'succeeded');
    assert.is(v.attempts, 2);
    await page.context().close();
  });
});

test('cluster mode: the front page lists the replicas from GET /api/cluster', async () => {
  const cluster = 'uireplicas';
  const dirs = [await tempDir(), await tempDir()];
  const hosts: RunningHost[] = [];
  try {
    // Named: with port 0 both would default to <host name>:0.
    for (const [i, dataDir] of dirs.entries()) hosts.push(await startHost({ replica: `replica-${i + 1}`, port: 0, workers: 1, logger: silentLogger(), deployExamples: false, natsUrl: nats.url, cluster, token: 'ui-cluster-token', dataDir }));
    let ids: string[] = [];
    await until(async () => {
      const body = (await (await admin(hosts[0]!, '/api/cluster')).json()) as { replicas: { id: string }[] };
      ids = body.replicas.map((r) => r.id);
      return ids.length === 2;
    }, 'both replicas heard from');
    const page = await openWithToken(hosts[0]!);
    const panel = page.getByRole('region', { name: 'Replicas' });
    for (const id of ids) await panel.getByRole('rowheader', { name: id, exact: true }).waitFor();
    assert.is(await panel.getByRole('rowheader').count(), 2);
    await page.context().close();
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  }
});

test.run();
