// Asynchronous invocations from a test: queue a call, poll its record until it reaches a state, deploy with a
// JSON config (schedules, retry policy), and the contract every queue implementation must keep.

import * as assert from 'uvu/assert';
import type { Test } from 'uvu';
import { admin, fnBytes, until, type HostAddress } from './host.js';

export interface InvocationView {
  id: string; function: string; version: string; status: string; attempts: number;
  createdAt: string; startedAt: string | null; finishedAt: string | null;
  result?: { status: number; headers: Record<string, string>; body?: string; bodyBase64?: string };
  error?: { code: string; message: string };
}

/** POST|GET… /fn/<path> with Prefer: respond-async; fails the test unless it is 202 with a Location. */
export async function queueCall(h: HostAddress, path: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(`${h.url}/fn/${path}`, { method: 'POST', ...init, headers: { prefer: 'respond-async', ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  assert.is(res.status, 202, text);
  const body = JSON.parse(text) as { id: string; status: string };
  assert.is(body.status, 'queued');
  assert.is(res.headers.get('location'), `/api/invocations/${body.id}`);
  return body.id;
}

export async function getInvocation(h: HostAddress, id: string): Promise<InvocationView> {
  const res = await admin(h, `/api/invocations/${id}`);
  const text = await res.text();
  assert.is(res.status, 200, text);
  return JSON.parse(text) as InvocationView;
}

/** Polls until the invocation is in one of `statuses`. */
export async function waitFor(h: HostAddress, id: string, statuses: string[], capMs = 20_000): Promise<InvocationView> {
  let last: InvocationView | null = null;
  await until(async () => statuses.includes((last = await getInvocation(h, id)).status), `invocation ${id} ${statuses.join('/')} (last: ${JSON.stringify(last)})`, capMs);
  return last!;
}

/** Deploys a built function with a JSON config (multipart). */
export async function deployWithConfig(h: HostAddress, fn: string, as: string, config: unknown): Promise<Response> {
  const form = new FormData();
  form.set('module', new Blob([(await fnBytes(fn)) as Uint8Array<ArrayBuffer>]), 'm.wasm');
  form.set('config', JSON.stringify(config));
  return admin(h, `/api/functions/${as}`, { method: 'PUT', body: form });
}

/** The contract tests; `host()` gives a running host (one per test, started and stopped by `around`). */
export function asyncContract(test: Test, around: (fn: (h: HostAddress) => Promise<void>) => () => Promise<void>): void {
  test('202 at once, then polled to succeeded with the result', around(async (h) => {
    assert.is((await deployWithConfig(h, 'hello', 'hello', {})).status, 201);
    const id = await queueCall(h, 'hello?name=Async', { method: 'GET' });
    const v = await waitFor(h, id, ['succeeded']);
    assert.is(v.function, 'hello');
    assert.is(v.attempts, 1);
    assert.is(v.result?.status, 200);
    assert.is(v.result?.body, 'Hello, Async!');
    assert.ok(v.startedAt && v.finishedAt && v.createdAt);
  }));

  test('an unknown function is 404, not 202; a callback to a host not allowed is 400', around(async (h) => {
    const res = await fetch(`${h.url}/fn/nope`, { method: 'POST', headers: { prefer: 'respond-async' } });
    assert.is(res.status, 404);
    await deployWithConfig(h, 'hello', 'hello', {});
    const cb = await fetch(`${h.url}/fn/hello`, { method: 'POST', headers: { prefer: 'respond-async', 'x-callback-url': 'http://10.0.0.1:9/x' } });
    assert.is(cb.status, 400);
    assert.is(((await cb.json()) as { error: { code: string } }).error.code, 'bad_request');
    assert.is((await admin(h, '/api/invocations/00000000-0000-0000-0000-000000000000')).status, 404);
  }));

  test('a function that traps twice succeeds on its third attempt, which it saw in x-wasmfn-attempt', around(async (h) => {
    assert.is((await deployWithConfig(h, 'flaky', 'flaky', { async: { maxAttempts: 3, backoffMs: 20, maxBackoffMs: 100 } })).status, 201);
    const id = await queueCall(h, 'flaky/x?succeedAt=3', { body: 'payload' });
    const v = await waitFor(h, id, ['succeeded', 'dead']);
    assert.is(v.status, 'succeeded');
    assert.is(v.attempts, 3);
    assert.is(v.result?.body, `attempt 3 id ${id} schedule - method POST path /x body payload`);
    // Each attempt counts in metrics by its outcome, as a synchronous call would.
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /wasmfn_invocations_total\{[^}]*function="flaky"[^}]*outcome="trap"[^}]*\} 2/);
    assert.match(metrics, /wasmfn_invocations_total\{[^}]*function="flaky"[^}]*outcome="ok"[^}]*\} 1/);
  }));

  test('one that always traps ends dead, is listed as a dead letter, and can be retried', around(async (h) => {
    // The policy in its query form.
    const res = await admin(h, '/api/functions/flaky?asyncMaxAttempts=2&asyncBackoffMs=10', {
      method: 'PUT', headers: { 'content-type': 'application/wasm' }, body: (await fnBytes('flaky')) as Uint8Array<ArrayBuffer>,
    });
    assert.is(res.status, 201);
    const id = await queueCall(h, 'flaky?succeedAt=0');
    const v = await waitFor(h, id, ['dead']);
    assert.is(v.attempts, 2);
    assert.is(v.error?.code, 'trap');
    const dead = (await (await admin(h, '/api/functions/flaky/dead-letters')).json()) as { invocations: InvocationView[] };
    assert.equal(dead.invocations.map((d) => d.id), [id]);
    const again = await admin(h, `/api/invocations/${id}/retry`, { method: 'POST' });
    assert.is(again.status, 202);
    const v2 = await waitFor(h, id, ['dead'], 20_000).then(async (x) => (x.attempts === 4 ? x : waitUntilAttempts(h, id, 4)));
    assert.is(v2.attempts, 4);
    const notDead = await queueCall(h, 'flaky?succeedAt=1');
    await waitFor(h, notDead, ['succeeded']);
    assert.is((await admin(h, `/api/invocations/${notDead}/retry`, { method: 'POST' })).status, 409);
  }));
}

async function waitUntilAttempts(h: HostAddress, id: string, n: number): Promise<InvocationView> {
  let last: InvocationView | null = null;
  await until(async () => (last = await getInvocation(h, id)).status === 'dead' && last.attempts === n, `invocation ${id} dead after ${n} attempts`, 20_000);
  return last!;
}
