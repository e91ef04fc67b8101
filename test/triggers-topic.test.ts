// Topic triggers in embedded mode on a real host: every published message processed, a poison message ending in
// the dead letters after maxDeliver, per-subject order kept by ordered triggers, lag and last error shown.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost, fnBytes, admin, type TestHost } from './helpers/host.js';

const test = suite('topic triggers');

async function deploy(h: TestHost, name: string, fixture: string, config: unknown): Promise<Response> {
  const form = new FormData();
  form.set('module', new Blob([Buffer.from(await fnBytes(fixture))]), 'm.wasm');
  form.set('config', JSON.stringify(config));
  return admin(h, `/api/functions/${name}`, { method: 'PUT', body: form });
}

async function publish(h: TestHost, topic: string, body: string, subject?: string): Promise<number> {
  const res = await admin(h, `/api/topics/${topic}${subject ? `?subject=${subject}` : ''}`, { method: 'POST', body });
  assert.is(res.status, 202, await res.clone().text());
  return ((await res.json()) as { seq: number }).seq;
}

const topicCalls = (h: TestHost, fn: string) => h.lines().filter((l) => l.event === 'invocation' && l.function === fn && l.trigger === 'topic');

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function triggers(h: TestHost, fn: string): Promise<{ trigger: string; pending: number; lastError: string | null }[]> {
  return ((await (await admin(h, `/api/functions/${fn}`)).json()) as { triggers: { trigger: string; pending: number; lastError: string | null }[] }).triggers;
}

test('every message published reaches the function once, as a POST; lag drops to 0', async () => {
  await withHost({ workers: 2, logLevel: 'info' }, async (h) => {
    assert.is((await deploy(h, 'orders', 'echo', { triggers: [{ topic: 'orders' }] })).status, 201);
    const n = 300;
    const seqs: number[] = [];
    for (let i = 0; i < n; i++) seqs.push(await publish(h, 'orders', `order ${i}`));
    await until('every message', () => topicCalls(h, 'orders').length >= n);
    await until('no lag', async () => (await triggers(h, 'orders'))[0]!.pending === 0);
    const calls = topicCalls(h, 'orders');
    assert.is(calls.length, n);
    assert.equal(new Set(calls.map((l) => String(l.requestId).split(':')[2])).size, n);
    assert.ok(calls.every((l) => l.method === 'POST' && l.status === 200));
    const t = await triggers(h, 'orders');
    assert.equal(t, [{ trigger: 'topic:orders', pending: 0, lastError: null }]);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /wasmfn_trigger_lag\{function="orders",trigger="topic:orders"\} 0/);
  });
});

test('a message the function keeps failing becomes a dead letter after maxDeliver deliveries; the others pass', async () => {
  await withHost({ workers: 1, logLevel: 'info' }, async (h) => {
    // shout aborts on a body of "abort".
    assert.is((await deploy(h, 'loud', 'shout', { triggers: [{ topic: 'words', maxDeliver: 3 }] })).status, 201);
    await publish(h, 'words', 'one');
    const poison = await publish(h, 'words', 'abort');
    await publish(h, 'words', 'two');
    await until('the dead letter', async () => (await h.triggers.deadLetters('loud')).length === 1);
    await until('no lag', async () => (await triggers(h, 'loud'))[0]!.pending === 0);
    const [dead] = await h.triggers.deadLetters('loud');
    assert.equal([dead!.seq, dead!.attempts, Buffer.from(dead!.payloadBase64, 'base64').toString()], [poison, 3, 'abort']);
    assert.match(dead!.error, /^trap/);
    const calls = topicCalls(h, 'loud');
    assert.is(calls.filter((l) => l.status === 200).length, 2);
    assert.is(calls.filter((l) => String(l.requestId).startsWith(`topic:words:${poison}:`)).length, 3);
    assert.match((await triggers(h, 'loud'))[0]!.lastError ?? '', /^trap/);
    // The function's dead letters over HTTP: its dead asynchronous invocations and its dead trigger messages.
    const listed = await (await admin(h, '/api/functions/loud/dead-letters')).json() as { invocations: unknown[]; messages: { seq: number; trigger: string }[] };
    assert.equal([listed.invocations.length, listed.messages.map((m) => [m.seq, m.trigger])], [0, [[poison, 'topic:words']]]);
  });
});

test('ordered: true keeps each subject\'s messages in order, one in flight per subject', async () => {
  await withHost({ workers: 2, logLevel: 'info' }, async (h) => {
    assert.is((await deploy(h, 'seq', 'map-probe', { triggers: [{ topic: 'events', ordered: true }] })).status, 201);
    const subjectOf = new Map<number, string>();
    const n = 150;
    for (let i = 0; i < n; i++) {
      const subject = `s${i % 3}`;
      subjectOf.set(await publish(h, 'events', String(i), subject), subject);
    }
    await until('every message', () => topicCalls(h, 'seq').length >= n);
    // Log lines are written as calls finish: with one in flight per subject, each subject's finish in order.
    const bySubject = new Map<string, number[]>();
    for (const l of topicCalls(h, 'seq')) {
      const seq = Number(String(l.requestId).split(':')[2]);
      const s = subjectOf.get(seq)!;
      bySubject.set(s, [...(bySubject.get(s) ?? []), seq]);
    }
    assert.is(bySubject.size, 3);
    for (const [, seqs] of bySubject) assert.equal(seqs, [...seqs].sort((a, b) => a - b));
    // The function got each message as a POST with its subject and sequence number as headers (it logs them).
    const seen = h.lines().filter((l) => l.event === 'guest' && l.function === 'seq').map((l) => String(l.msg));
    assert.is(seen.length, n);
    for (const [seq, subject] of subjectOf) assert.ok(seen.includes(`message ${subject} ${seq} POST`), `${subject} ${seq}`);
  });
});

test('bad trigger configs and topic names are refused', async () => {
  await withHost({ workers: 1 }, async (h) => {
    for (const triggers of [[{}], [{ topic: 'a', stream: 'b' }], [{ topic: 'a b' }], [{ topic: 'a', maxDeliver: 0 }], [{ topic: 'a', extra: 1 }], 'x']) {
      const res = await deploy(h, 'bad', 'echo', { triggers });
      assert.is(res.status, 400, JSON.stringify(triggers));
    }
    const res = await admin(h, '/api/topics/has%20space', { method: 'POST', body: 'x' });
    assert.is(res.status, 400);
    const anon = await fetch(`${h.url}/api/topics/t`, { method: 'POST', body: 'x' });
    assert.is(anon.status, 401);
  });
});

test.run();
