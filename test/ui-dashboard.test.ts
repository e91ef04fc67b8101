// The dashboard end to end in a real browser against a real host: token, deploy through the form, the list,
// the invoke console, the live log tail, rollback, guest text shown as text, and the page's CSP.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { FUNCTIONS_DIR, REPO_ROOT, admin, deployBuilt, withHost, type TestHost } from './helpers/host.js';
import { launchBrowser, UI_WAIT_MS } from './helpers/browser.js';
import { bundleUi } from '../host/ui/bundle.js';

const test = suite('ui: the dashboard in a browser');
const XSS = '<img src=x onerror=alert(1)>';
/** Set to a folder (e.g. docs) to save the README's screenshots there. */
const SHOTS = process.env.WASMFN_UI_SCREENSHOTS;

let browser: Browser;

test.before(async () => {
  await bundleUi();
  browser = await launchBrowser();
});

test.after(async () => {
  await browser?.close();
});

async function openPage(h: TestHost): Promise<{ page: Page; dialogs: string[]; cspViolations: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_WAIT_MS);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${h.url}/`);
  return { page, dialogs, cspViolations };
}

async function saveToken(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Save token' }).click();
}

test('/ redirects to /ui/; a wrong token is refused and says so; the right one shows the functions', async () => {
  await withHost({}, async (h) => {
    const { page } = await openPage(h);
    assert.is(new URL(page.url()).pathname, '/ui/');
    await saveToken(page, 'not-the-token');
    await page.getByText(/Wrong token/).waitFor();
    await saveToken(page, h.token);
    await page.getByRole('heading', { name: 'Functions' }).waitFor();
    assert.is(await page.evaluate(() => sessionStorage.getItem('wasmfn.token')), h.token);
    await page.context().close();
  });
});

test('deploy through the form, see it listed, invoke it, watch the log tail, roll back; guest HTML stays text', async () => {
  await withHost({}, async (h) => {
    const { page, dialogs, cspViolations } = await openPage(h);
    await saveToken(page, h.token);
    await page.getByRole('heading', { name: 'Functions' }).waitFor();

    // A module the host refuses: every reason is listed.
    await page.getByLabel('Name', { exact: true }).fill('broken');
    await page.getByLabel('Module (.wasm)').setInputFiles({ name: 'broken.wasm', mimeType: 'application/wasm', buffer: Buffer.from('not a wasm module') });
    await page.getByRole('button', { name: 'Deploy' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'invalid_module' });
    await refused.waitFor();
    assert.ok((await refused.locator('li').count()) >= 1, 'the reasons are a list');

    const wasm = path.join(FUNCTIONS_DIR, 'log-body.wasm');
    await page.getByLabel('Name', { exact: true }).fill('logger');
    await page.getByLabel('Module (.wasm)').setInputFiles(wasm);
    await page.getByLabel('Memory (MB)').fill('8');
    await page.getByLabel('Environment variables').fill('GREETING=hi');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByRole('status').filter({ hasText: /Deployed logger version [0-9a-f]{16}/ }).waitFor();
    const first = /version ([0-9a-f]{16})/.exec((await page.getByRole('status').textContent()) ?? '')![1]!;

    // A second version (other limits), so there is one to roll back to.
    await page.getByLabel('Memory (MB)').fill('16');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByRole('status').filter({ hasNotText: first }).filter({ hasText: /Deployed logger version/ }).waitFor();

    const row = page.locator('tr[data-function="logger"]');
    const link = row.getByRole('link', { name: 'logger', exact: true });
    await link.waitFor();
    assert.match((await row.textContent()) ?? '', /sdk/);
    if (SHOTS) {
      await deployBuilt(h, 'hello');
      await deployBuilt(h, 'abort-message', 'checkout');
      for (let i = 0; i < 5; i++) await fetch(`${h.url}/fn/hello?name=${i}`).then((r) => r.text());
      for (let i = 0; i < 3; i++) await fetch(`${h.url}/fn/checkout`).then((r) => r.text());
      await page.locator('tr[data-function="hello"]').waitFor();
    }

    await link.click();
    await page.getByRole('heading', { name: 'logger', level: 1 }).waitFor();
    await page.getByText('live', { exact: true }).first().waitFor();
    await page.locator('.pill.live').filter({ hasText: 'live' }).first().waitFor();

    // Invoke from the console with HTML in the body: the guest logs it, the tail shows it as text.
    await page.getByLabel('Method').selectOption('POST');
    await page.getByLabel('Path').fill('/try');
    await page.getByLabel('Headers').fill('x-demo: 1');
    await page.getByLabel('Body').fill(XSS);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('invoke-status').filter({ hasText: '200' }).waitFor();
    assert.is(await page.getByTestId('invoke-body').textContent(), `logged ${XSS.length} chars`);
    await page.getByRole('img', { name: /^Server timing: queue .*run/ }).waitFor();

    const tail = page.getByRole('list', { name: 'Invocations, newest first' });
    const call = tail.locator('li').filter({ hasText: 'POST /try' });
    await call.waitFor();
    const lines = await call.locator('pre.lines').textContent();
    assert.ok(lines?.includes(XSS), `the log line is shown as its text: ${lines}`);
    assert.is(await tail.locator('img').count(), 0, 'no element was made from the guest text');

    // A call from elsewhere appears in the open tail by itself.
    const res = await fetch(`${h.url}/fn/logger/from-curl`, { method: 'POST', body: 'outside' });
    assert.is(res.status, 200);
    await tail.locator('li').filter({ hasText: 'POST /from-curl' }).waitFor();
    assert.match((await tail.locator('li').first().textContent()) ?? '', /from-curl/);
    await page.getByTestId('usage-summary').filter({ hasText: /^2 invocations/ }).waitFor();
    if (SHOTS) await page.screenshot({ path: path.join(REPO_ROOT, SHOTS, 'dashboard-function.png'), fullPage: true });

    // Roll back to the first version with its row's button.
    await page.locator(`tr[data-version="${first}"]`).getByRole('button', { name: 'Rollback' }).click();
    await page.getByTestId('live-version').filter({ hasText: first }).waitFor();
    const live = (await (await admin(h, '/api/functions/logger')).json()) as { live: string };
    assert.is(live.live, first);

    // Back on the list: the row has counted both calls by itself.
    await page.getByRole('navigation').getByRole('link', { name: 'Functions' }).click();
    await page.getByRole('heading', { name: 'Functions' }).waitFor();
    await row.locator('td').nth(2).filter({ hasText: /^2$/ }).waitFor();

    // A module dropped on the page is picked, and names the function when no name is given.
    await page.getByLabel('Name', { exact: true }).fill('');
    const dropped = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped.wasm', { type: 'application/wasm' }));
      return dt;
    }, (await fs.readFile(path.join(FUNCTIONS_DIR, 'hello.wasm'))).toString('base64'));
    await page.dispatchEvent('main', 'drop', { dataTransfer: dropped });
    assert.is(await page.getByLabel('Name', { exact: true }).inputValue(), 'dropped');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByRole('status').filter({ hasText: /Deployed dropped version/ }).waitFor();
    await page.locator('tr[data-function="dropped"]').waitFor();

    if (SHOTS) {
      await page.locator('tr[data-function="hello"]').waitFor();
      await page.getByLabel('Name', { exact: true }).fill('');
      await page.screenshot({ path: path.join(REPO_ROOT, SHOTS, 'dashboard-functions.png'), fullPage: true });
    }
    assert.equal(dialogs, [], 'no script ran from guest text');
    assert.equal(cspViolations, [], 'the page needs nothing the CSP forbids');
    await page.context().close();
  });
});

test('the page and its assets carry a strict Content-Security-Policy', async () => {
  await withHost({}, async (h) => {
    const { page } = await openPage(h);
    const res = await page.request.get(`${h.url}/ui/`);
    const csp = res.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.not.match(csp, /unsafe-inline|unsafe-eval/);
    const html = await fs.readFile(path.join(REPO_ROOT, 'host/ui/web/index.html'), 'utf8');
    assert.not.match(html, /<script(?![^>]*\bsrc=)/, 'no inline script');
    assert.not.match(html, /<style|style=/, 'no inline style');
    await page.context().close();
  });
});

test.run();
