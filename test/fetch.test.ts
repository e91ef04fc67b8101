// Outbound HTTP from guests against a local upstream: allowed origins, denied ones, redirects, restricted
// addresses, the per-invocation cap, the response cap, timeoutMs, and the log entry and server-timing.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import dns from 'node:dns/promises';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { withHost, admin, fnBytes, type TestHost } from './helpers/host.js';
import type { RunningHost } from '../host/server.js';
import { parseAllowedHost, matchOrigin, type AllowedOrigin } from '../host/store/allowed-hosts.js';
import { restrictedAddress } from '../host/fetch/address-policy.js';

const t = suite('outbound fetch');

interface Upstream {
  url: string;
  port: number;
  /** Requests to /slow whose connection closed before the answer. */
  abandoned: number;
  close(): Promise<void>;
}

async function upstream(otherOrigin: () => string): Promise<Upstream> {
  const state = { abandoned: 0 };
  const server = http.createServer((req, res) => {
    if (req.url === '/ok') return res.end(`hello ${req.method}`);
    if (req.url === '/redirect-here') return res.writeHead(302, { location: '/ok' }).end();
    if (req.url === '/redirect-away') return res.writeHead(302, { location: `${otherOrigin()}/ok` }).end();
    if (req.url === '/big') return res.end(Buffer.alloc(512 * 1024, 0x61));
    if (req.url === '/slow') {
      const timer = setTimeout(() => res.end('late'), 20_000);
      res.on('close', () => {
        if (!res.writableEnded) state.abandoned++;
        clearTimeout(timer);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get abandoned() {
      return state.abandoned;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

async function deployWith(h: RunningHost, name: string, config: object): Promise<void> {
  const form = new FormData();
  form.append('module', new Blob([await fnBytes('cap-probe') as Uint8Array<ArrayBuffer>], { type: 'application/wasm' }));
  form.append('config', JSON.stringify(config));
  const res = await admin(h, `/api/functions/${name}`, { method: 'PUT', body: form });
  if (res.status !== 201) throw new Error(`deploy ${name}: ${res.status} ${await res.text()}`);
}

const probe = async (h: { url: string }, fn: string, query: string): Promise<{ text: string; res: Response }> => {
  const res = await fetch(`${h.url}/fn/${fn}?${query}`);
  return { text: await res.text(), res };
};
const q = (url: string, extra = ''): string => `op=fetch&url=${encodeURIComponent(url)}${extra}`;

t('allowed, denied, redirects, restricted addresses, caps and the log entry', async () => {
  let other = '';
  const up = await upstream(() => other);
  const away = await upstream(() => '');
  other = away.url.replace('127.0.0.1', 'localhost');
  try {
    await withHost({ logLevel: 'info' }, async (h: TestHost) => {
      await deployWith(h, 'out', { allowedHosts: [`http://127.0.0.1:${up.port}`], limits: { memoryMb: 16 } });
      await deployWith(h, 'none', {});

      const ok = await probe(h, 'out', q(`${up.url}/ok`));
      assert.is(ok.text, 'ok 200 hello GET');
      assert.match(ok.res.headers.get('server-timing') ?? '', /fetch;dur=\d+\.\d{3}/);
      assert.is((await probe(h, 'out', q(`${up.url}/ok`, '&method=POST'))).text, 'ok 200 hello POST');

      // Denied: no allowedHosts at all; another port; a redirect to an origin not allowed.
      assert.match((await probe(h, 'none', q(`${up.url}/ok`))).text, /^err -2 at 0 denied: .*no allowedHosts/);
      assert.match((await probe(h, 'out', q(`${away.url}/ok`))).text, /^err -2 at 0 denied: origin http:\/\/127\.0\.0\.1:\d+ is not in/);
      assert.is((await probe(h, 'out', q(`${up.url}/redirect-here`))).text, 'ok 200 hello GET');
      assert.match((await probe(h, 'out', q(`${up.url}/redirect-away`))).text, /^err -2 at 0 denied: redirect to origin http:\/\/localhost:\d+/);
      assert.match((await probe(h, 'out', q('file:///etc/passwd'))).text, /^err -2/);
      assert.match((await probe(h, 'out', q('not a url'))).text, /^err -7/);

      // At most 50 requests per invocation.
      assert.match((await probe(h, 'out', q(`${up.url}/ok`, '&n=50'))).text, /^ok 200/);
      assert.match((await probe(h, 'out', q(`${up.url}/ok`, '&n=51'))).text, /^err -5 at 50 too_many_calls/);

      // Under the host's response cap (6 MiB); a smaller cap is tested below.
      const big = (await probe(h, 'out', q(`${up.url}/big`))).text;
      assert.ok(/^ok 200 a{100}/.test(big), big.slice(0, 300));

      // The invocation's log line and its entry in the logs route carry each request.
      const line = h.lines().find((l) => l.event === 'invocation' && l.function === 'out' && Array.isArray(l.fetch)) as { fetch: { method: string; origin: string; status: number; ms: number }[] } | undefined;
      assert.ok(line, 'an invocation line with fetch');
      assert.is(line!.fetch[0]!.method, 'GET');
      assert.is(line!.fetch[0]!.origin, up.url);
      assert.is(line!.fetch[0]!.status, 200);
      assert.type(line!.fetch[0]!.ms, 'number');
      const logs = await (await admin(h, '/api/functions/out/logs?limit=200')).json() as { invocations: { fetch?: { origin: string; status: number | null }[] }[] };
      assert.ok(logs.invocations.some((i) => i.fetch?.[0]?.origin === up.url && i.fetch[0].status === 200));
      assert.ok(logs.invocations.some((i) => i.fetch?.[0]?.status === null), 'a denied request is listed with a null status');
    });
  } finally {
    await up.close();
    await away.close();
  }
});

t('a slow upstream is cut by timeoutMs', async () => {
  const up = await upstream(() => '');
  try {
    await withHost({}, async (h) => {
      await deployWith(h, 'slow', { allowedHosts: ['http://127.0.0.1:*'], limits: { timeoutMs: 400 } });
      const { res, text } = await probe(h, 'slow', q(`${up.url}/slow`));
      // Either the guest saw its fetch time out, or the deadline ended the call: never the upstream's answer.
      assert.ok(res.status === 504 || /^err -12/.test(text), `${res.status} ${text}`);
      assert.not.match(text, 'late');
      const deadline = Date.now() + 5000;
      while (up.abandoned < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.is(up.abandoned, 1, 'the upstream request was abandoned');
    });
  } finally {
    await up.close();
  }
});

t('responses over the cap are refused', async () => {
  const up = await upstream(() => '');
  try {
    await withHost({ maxResponseBytes: 256 * 1024 }, async (h) => {
      await deployWith(h, 'capped', { allowedHosts: ['http://127.0.0.1:*'] });
      assert.match((await probe(h, 'capped', q(`${up.url}/big`))).text, /^err -10 at 0 response_too_large/);
    });
  } finally {
    await up.close();
  }
});

t('a name that resolves to loopback is refused unless named literally', async () => {
  const name = os.hostname().toLowerCase();
  const resolved = await dns.lookup(name).catch(() => null);
  if (!resolved || restrictedAddress(resolved.address) !== 'loopback') return; // needs a host name that resolves to loopback
  const up = await upstream(() => '');
  try {
    await withHost({}, async (h) => {
      await deployWith(h, 'byname', { allowedHosts: [`http://${name}:*`, `http://localhost:${up.port}`] });
      assert.match((await probe(h, 'byname', q(`http://${name}:${up.port}/ok`))).text, /^err -2 at 0 denied: .*loopback/);
      assert.is((await probe(h, 'byname', q(`http://localhost:${up.port}/ok`))).text, 'ok 200 hello GET');
    });
  } finally {
    await up.close();
  }
});

t('allowedHosts entries: wildcards for subdomains and ports, bad entries refused at deploy', async () => {
  const parse = (s: string) => parseAllowedHost(s) as AllowedOrigin;
  const list = ['https://api.example.com', 'https://*.example.org', 'http://127.0.0.1:*'].map(parse);
  const m = (u: string) => matchOrigin(list, new URL(u)) !== null;
  assert.ok(m('https://api.example.com/x'));
  assert.ok(m('https://api.example.com:443/x'));
  assert.not.ok(m('https://api.example.com:8443/x'));
  assert.not.ok(m('http://api.example.com/x'));
  assert.not.ok(m('https://evil.com/?https://api.example.com'));
  assert.not.ok(m('https://api.example.com.evil.com/'));
  assert.ok(m('https://a.b.example.org/'));
  assert.not.ok(m('https://example.org/'));
  assert.ok(m('http://127.0.0.1:9/'));
  for (const bad of ['api.example.com', 'https://api.example.com/path', 'ftp://x', 'https://*', 'https://user@x.com']) {
    assert.type(parseAllowedHost(bad), 'string', bad);
  }
  assert.is(restrictedAddress('169.254.169.254'), 'metadata');
  assert.is(restrictedAddress('169.254.1.1'), 'link-local');
  assert.is(restrictedAddress('::1'), 'loopback');
  assert.is(restrictedAddress('::ffff:127.0.0.1'), 'loopback');
  assert.is(restrictedAddress('fe80::1'), 'link-local');
  assert.is(restrictedAddress('93.184.216.34'), null);
  await withHost({}, async (h) => {
    const form = new FormData();
    form.append('module', new Blob([await fnBytes('cap-probe') as Uint8Array<ArrayBuffer>], { type: 'application/wasm' }));
    form.append('config', JSON.stringify({ allowedHosts: ['https://api.example.com/path'] }));
    const res = await admin(h, '/api/functions/bad', { method: 'PUT', body: form });
    assert.is(res.status, 400);
  });
});

t('a metadata address is refused even when a wildcard port entry covers it', async () => {
  await withHost({}, async (h) => {
    await deployWith(h, 'meta', { allowedHosts: ['http://*.internal:*'] });
    assert.match((await probe(h, 'meta', q('http://metadata.google.internal/computeMetadata/v1/'))).text, /^err -2 at 0 denied/);
  });
});

t.run();
