// GET /metrics: Prometheus text from the host's own registry, counting invocations by outcome.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { admin, deployBuilt, withHost } from './helpers/host.js';
import { parsePrometheus } from './helpers/prometheus.js';

const test = suite('observe metrics');

test('metrics parse as Prometheus text and count invocations by outcome', async () => {
  // Pool gauges are the subject: every call goes to the workers (the fast path would answer them on this thread).
  await withHost({ inlineFuel: 0 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'abort-message');
    for (let i = 0; i < 3; i++) await (await fetch(`${h.url}/fn/hello`)).arrayBuffer();
    await (await fetch(`${h.url}/fn/abort-message`)).arrayBuffer();
    const res = await fetch(`${h.url}/metrics`);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const samples = parsePrometheus(await res.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    assert.is(value('wasmfn_invocations_total', { function: 'hello', outcome: 'ok' }), 3);
    assert.is(value('wasmfn_invocations_total', { function: 'abort-message', outcome: 'trap' }), 1);
    assert.is(value('wasmfn_invocation_duration_seconds_count', { function: 'hello' }), 3);
    assert.is(value('wasmfn_invocation_duration_seconds_bucket', { function: 'hello', le: '+Inf' }), 3);
    assert.is(value('wasmfn_instantiate_duration_seconds_count'), 4);
    assert.is(value('wasmfn_deploys_total'), 2);
    assert.is(value('wasmfn_queue_depth'), 0);
    assert.is(value('wasmfn_pool_workers'), 1);
    assert.is(value('wasmfn_pool_spares'), 1);
    assert.is(value('wasmfn_functions'), 2);
    assert.is(value('wasmfn_pool_modules'), 2, 'both functions ran, so the workers hold both modules');
    assert.is(value('wasmfn_worker_restarts_total', { reason: 'timeout' }), 0);
    assert.is(value('wasmfn_inline_keep_when_busy'), 0, 'a few calls on a thread that was never busy: hands off, as it starts');
  });
});

test('a timeout counts as an outcome and as a worker restart', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=50&fuel=1000000000000');
    const r = await fetch(`${h.url}/fn/loop-forever`);
    assert.is(r.status, 504);
    await r.arrayBuffer();
    const samples = parsePrometheus(await (await fetch(`${h.url}/metrics`)).text());
    const find = (name: string, k: string, v: string) => samples.find((s) => s.name === name && s.labels[k] === v)?.value;
    assert.is(find('wasmfn_invocations_total', 'outcome', 'timeout'), 1);
    assert.is(find('wasmfn_worker_restarts_total', 'reason', 'timeout'), 1);
  });
});

test('metrics need no token', async () => {
  await withHost({}, async (h) => {
    const res = await fetch(`${h.url}/metrics`);
    assert.is(res.status, 200);
    assert.ok(res.headers.get('x-request-id'));
    assert.ok(parsePrometheus(await res.text()).length > 0);
  });
});

test('a deleted function drops out of the metrics', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await (await fetch(`${h.url}/fn/hello`)).arrayBuffer();
    await admin(h, '/api/functions/hello', { method: 'DELETE' });
    const samples = parsePrometheus(await (await fetch(`${h.url}/metrics`)).text());
    assert.not.ok(samples.some((s) => s.labels.function === 'hello'));
  });
});

test.run();
