import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffMs, policyOf, retryable } from '../host/events/retry-policy.js';
import { checkCallbackUrl } from '../host/events/callbacks.js';
import { checkConfig, parseConfigQuery, canonicalConfig } from '../host/store/deploy-config.js';
import { MAX_LIMITS } from '../host/config.js';
import { WasmfnError } from '../host/errors.js';

const test = suite('async retry policy, callback hosts, event config');

test('backoff doubles per attempt up to the cap, jittered within [base/2, base]', () => {
  const p = { maxAttempts: 5, backoffMs: 100, maxBackoffMs: 350 };
  assert.is(backoffMs(p, 1, () => 0), 50);
  assert.is(backoffMs(p, 1, () => 1), 100);
  assert.is(backoffMs(p, 2, () => 1), 200);
  assert.is(backoffMs(p, 3, () => 1), 350);
  assert.is(backoffMs(p, 9, () => 0), 175);
});

test('what is retried: the listed failures and a guest 5xx', () => {
  for (const code of ['trap', 'timeout', 'fuel_exhausted', 'memory_limit', 'overloaded', 'internal'] as const) assert.ok(retryable({ code }), code);
  for (const code of ['response_too_large', 'nonzero_exit', 'bad_request'] as const) assert.not.ok(retryable({ code }), code);
  assert.ok(retryable({ status: 503 }));
  assert.not.ok(retryable({ status: 404 }));
  assert.equal(policyOf(undefined), { maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 60000 });
  assert.equal(policyOf({ maxAttempts: 7 }), { maxAttempts: 7, backoffMs: 1000, maxBackoffMs: 60000 });
});

test('callback URLs only to allowed host:port patterns', () => {
  const refused = (url: string, patterns: string[]) => {
    try {
      checkCallbackUrl(url, patterns);
      return false;
    } catch (e) {
      return e instanceof WasmfnError && e.status === 400;
    }
  };
  assert.ok(refused('http://127.0.0.1:9000/x', []));
  assert.is(checkCallbackUrl('http://127.0.0.1:9000/x', ['127.0.0.1:*']), 'http://127.0.0.1:9000/x');
  assert.ok(checkCallbackUrl('https://hooks.example.com/done', ['*.example.com:443']));
  assert.ok(refused('http://hooks.example.com/done', ['*.example.com:443']));
  assert.ok(refused('http://evil.com/?h=hooks.example.com:443', ['hooks.example.com:443']));
  assert.ok(refused('ftp://127.0.0.1:21/', ['127.0.0.1:*']));
  assert.ok(refused('http://u:p@127.0.0.1:80/', ['127.0.0.1:*']));
  assert.ok(refused('not a url', ['*']));
});

test('deploy config: async policy and schedules, JSON and query forms', () => {
  const c = checkConfig({ async: { maxAttempts: 4, backoffMs: 10 }, schedules: [{ cron: '*/5 * * * *', path: '/t', body: 'b' }] }, MAX_LIMITS);
  assert.equal(c.async, { maxAttempts: 4, backoffMs: 10 });
  assert.equal(c.schedules, [{ cron: '*/5 * * * *', path: '/t', body: 'b' }]);
  const q = parseConfigQuery(new URLSearchParams('asyncMaxAttempts=2&asyncBackoffMs=5&asyncMaxBackoffMs=50'), MAX_LIMITS);
  assert.equal(q.async, { maxAttempts: 2, backoffMs: 5, maxBackoffMs: 50 });
  for (const bad of [
    { async: { maxAttempts: 21 } }, { async: { retries: 1 } }, { async: 3 },
    { schedules: {} }, { schedules: [{ cron: '* * * *' }] }, { schedules: [{ cron: '* * * * * * *' }] }, { schedules: [{ cron: '61 * * * *' }] },
    { schedules: [{ cron: '* * * * *', path: 'no-slash' }] }, { schedules: [{ cron: '* * * * *', extra: 1 }] },
  ]) {
    assert.throws(() => checkConfig(bad, MAX_LIMITS), (e: unknown) => e instanceof WasmfnError && e.code === 'bad_request', JSON.stringify(bad));
  }
  assert.throws(() => parseConfigQuery(new URLSearchParams('asyncMaxAttempts=x'), MAX_LIMITS));
  // A config without event parts hashes as it always did.
  assert.is(canonicalConfig({ limits: {}, env: {} }), '{"abi":null,"env":{},"limits":{}}');
  assert.is.not(canonicalConfig(c), canonicalConfig({ limits: {}, env: {} }));
});

test.run();
