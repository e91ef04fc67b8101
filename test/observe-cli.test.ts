// `wasmfn logs` and `wasmfn usage` against a real host.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deployBuilt, until, withHost, type TestHost } from './helpers/host.js';
import { ApiClient } from '../host/cli/client.js';
import { run as logs } from '../host/cli/commands/logs.js';
import { run as usage, sinceIso } from '../host/cli/commands/usage.js';
import type { CommandContext } from '../host/cli/command.js';

const test = suite('observe cli');

function context(h: TestHost): CommandContext & { output: string[]; errors: string[] } {
  const output: string[] = [];
  const errors: string[] = [];
  return { client: new ApiClient({ url: h.url, dataDir: h.opts.dataDir }), out: (s) => output.push(s), err: (s) => errors.push(s), output, errors };
}

test('logs prints the recent invocations with their log lines and failures', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'log-lines');
    await deployBuilt(h, 'abort-message');
    await (await fetch(`${h.url}/fn/log-lines/a`, { headers: { 'x-request-id': 'cli-1' } })).arrayBuffer();
    await (await fetch(`${h.url}/fn/abort-message`, { headers: { 'x-request-id': 'cli-2' } })).arrayBuffer();
    const ctx = context(h);
    assert.is(await logs(['log-lines', '--limit', '5'], ctx), 0);
    const text = ctx.output.join('\n');
    assert.match(text, /cli-1 {2}GET \/a {2}200/);
    assert.match(text, /info {3}info line for \/a/);
    const ctx2 = context(h);
    assert.is(await logs(['abort-message'], ctx2), 0);
    assert.match(ctx2.output.join('\n'), /500 trap[\s\S]*trap: /);
  });
});

test('logs --follow prints new invocations until interrupted', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    const ctx = context(h);
    const done = logs(['hello', '--follow'], ctx);
    try {
      await (await fetch(`${h.url}/fn/hello`, { headers: { 'x-request-id': 'followed' } })).arrayBuffer();
      await until(() => ctx.output.some((l) => l.includes('followed')), 'logs --follow printing the new invocation');
    } finally {
      // Interrupted even when the wait fails, so that a following loop is not left polling a closed host.
      process.emit('SIGINT');
    }
    assert.is(await done, 0);
    assert.is(ctx.output.filter((l) => l.includes('followed')).length, 1);
  });
});

test('logs and usage reject bad arguments with exit code 2', async () => {
  await withHost({}, async (h) => {
    const ctx = context(h);
    assert.is(await logs([], ctx), 2);
    assert.is(await logs(['hello', '--limit', 'x'], ctx), 2);
    assert.is(await usage(['hello', '--since', 'soon'], ctx), 2);
    assert.is(await usage(['hello', '--bogus'], ctx), 2);
    assert.is(await usage(['hello', '--since=-1'], ctx), 2);
    assert.is(await usage(['hello', '--since', '99999999999d'], ctx), 2);
  });
});

test('usage prints a table of what the function used', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    for (let i = 0; i < 2; i++) await (await fetch(`${h.url}/fn/hello`)).arrayBuffer();
    const ctx = context(h);
    assert.is(await usage(['hello', '--since', '1h'], ctx), 0);
    const text = ctx.output.join('\n');
    assert.match(text, /^invocations\s+2$/m);
    assert.match(text, /^ {2}ok\s+2$/m);
    assert.match(text, /GB-s at memory cap/);
    const json = context(h);
    assert.is(await usage(['hello', '--json'], json), 0);
    assert.is((JSON.parse(json.output[0]!) as { invocations: { total: number } }).invocations.total, 2);
  });
});

test('relative since values count back from now', () => {
  const now = Date.UTC(2025, 0, 2);
  assert.is(sinceIso('1d', now), '2025-01-01T00:00:00.000Z');
  assert.is(sinceIso('30m', now), '2025-01-01T23:30:00.000Z');
  assert.is(sinceIso('2025-01-01T10:00:00Z', now), '2025-01-01T10:00:00.000Z');
  assert.is(sinceIso('later', now), undefined);
  assert.is(sinceIso('foo 1', now), undefined);
  assert.is(sinceIso('99999999999d', now), undefined);
});

test.run();
