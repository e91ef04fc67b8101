// The fast path's busy gate hands calls off only while several connections share the HTTP thread: one client
// calling again and again keeps the thread busy, but nothing waits behind its calls.

import http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientWindow } from '../host/http/client-window.js';
import { withHost, deployBuilt } from './helpers/host.js';

const test = suite('http client window');

test('one connection is never contended; two in a window are, and stay so through the next window only', () => {
  // The window's own clock, stepped by the test: a real one can be descheduled past a whole window between lines.
  let nowMs = 1000;
  const pastWindow = (ms: number) => {
    nowMs += ms;
  };
  const w = new ClientWindow(5, () => nowMs);
  const a = {};
  const b = {};
  for (let i = 0; i < 100; i++) assert.not.ok(w.contended(a));
  assert.ok(w.contended(b), 'a second connection in the same window');
  assert.ok(w.contended(a));
  pastWindow(6);
  assert.ok(w.contended(a), 'the window before had two');
  pastWindow(6);
  assert.not.ok(w.contended(a), 'one connection through a whole window');
  pastWindow(12);
  assert.not.ok(w.contended(a), 'after a quiet spell');
});

function get(agent: http.Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('one client calling back to back is answered on the HTTP thread even when the thread counts as busy', async () => {
  // At 1% the thread counts as busy whenever it did anything lately: before this gate, calls went to the workers.
  await withHost({ inlineBusyPercent: 1 }, async (h) => {
    await deployBuilt(h, 'hello');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = h.pool.inline!.hits;
      for (let i = 0; i < 200; i++) assert.is(await get(agent, `${h.url}/fn/hello?name=${i}`), `Hello, ${i}!`);
      assert.is(h.pool.inline!.hits - before, 200);
    } finally {
      agent.destroy();
    }
  });
});

test.run();
