// Stream triggers in cluster mode against a real nats-server: 10,000 messages each processed, a poison message
// ending in the dead letters after maxDeliver, per-subject order kept by ordered triggers.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import fs from 'node:fs/promises';
import { withHost, fnBytes, admin, tempDir, type TestHost, type HostAddress } from './helpers/host.js';
import { spawnHost, stopHost } from './helpers/process.js';
import { startNats, type NatsServer } from './helpers/nats.js';

const test = suite('stream triggers');
let nats: NatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

test.before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
});

test.after(async () => {
  await nc.close();
  await nats.dispose();
});

const hostOpts = () => ({ natsUrl: nats.url, token: 'stream-test-token', logLevel: 'info', workers: 2 });

async function deploy(h: HostAddress, name: string, fixture: string, config: unknown): Promise<void> {
  const form = new FormData();
  form.set('module', new Blob([Buffer.from(await fnBytes(fixture))]), 'm.wasm');
  form.set('config', JSON.stringify(config));
  const res = await admin(h, `/api/functions/${name}`, { method: 'PUT', body: form });
  // 200 when the cluster's shared registry has that version already.
  assert.ok(res.status === 201 || res.status === 200, await res.text());
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000, everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The trigger's consumer exists (the host creates it after the deploy). */
const consumerReady = (stream: string, fn: string) => until(`the consumer of ${fn}`, async () => {
  try {
    await jsm.consumers.info(stream, `wasmfn_${fn}_${stream}`);
    return true;
  } catch {
    return false;
  }
});

async function pending(h: TestHost, fn: string): Promise<number> {
  const body = (await (await admin(h, `/api/functions/${fn}`)).json()) as { triggers: { pending: number }[] };
  return body.triggers[0]!.pending;
}

const streamCalls = (h: TestHost, fn: string) => h.lines().filter((l) => l.event === 'invocation' && l.function === fn && l.trigger === 'stream');

test('10,000 messages published are each processed (at least once); the lag drops to 0', async () => {
  await withHost(hostOpts(), async (h) => {
    await deploy(h, 'orders-fn', 'map-probe', { triggers: [{ stream: 'orders', subjects: ['orders.>'], batch: 64, maxDeliver: 5 }] });
    await consumerReady('orders', 'orders-fn');
    const n = 10_000;
    const acks = [];
    for (let i = 0; i < n; i++) acks.push(js.publish(`orders.${i % 10}`, `order ${i}`));
    const seqs = (await Promise.all(acks)).map((a) => a.seq);
    await until('no lag', async () => (await pending(h, 'orders-fn')) === 0, 120_000, 250);
    const done = new Set(streamCalls(h, 'orders-fn').filter((l) => l.status === 200).map((l) => Number(String(l.requestId).split(':')[2])));
    assert.is(seqs.filter((s) => !done.has(s)).length, 0);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /wasmfn_trigger_lag\{function="orders-fn",trigger="stream:orders"\} 0/);
  });
});

test('a poison message ends in the dead letters after maxDeliver deliveries; the others are acknowledged', async () => {
  await withHost(hostOpts(), async (h) => {
    // shout aborts on a body of "abort".
    await deploy(h, 'loud', 'shout', { triggers: [{ stream: 'words', subjects: ['words.>'], maxDeliver: 3 }] });
    await consumerReady('words', 'loud');
    await js.publish('words.a', 'one');
    const poison = (await js.publish('words.a', 'abort')).seq;
    await js.publish('words.b', 'two');
    await until('the dead letter', async () => (await h.triggers.deadLetters('loud')).length === 1);
    await until('no lag', async () => (await pending(h, 'loud')) === 0);
    const [dead] = await h.triggers.deadLetters('loud');
    assert.equal([dead!.trigger, dead!.seq, dead!.attempts, Buffer.from(dead!.payloadBase64, 'base64').toString()], ['stream:words', poison, 3, 'abort']);
    assert.match(dead!.error, /^trap/);
    assert.is(streamCalls(h, 'loud').filter((l) => String(l.requestId).startsWith(`stream:words:${poison}:`)).length, 3);
    assert.is(streamCalls(h, 'loud').filter((l) => l.status === 200).length, 2);
    // Shared by the replicas: another one, that never ran it, lists the same dead letter.
    await withHost(hostOpts(), async (other) => {
      const res = await admin(other, '/api/functions/loud/dead-letters');
      assert.is(res.status, 200);
      const { messages } = (await res.json()) as { messages: { seq: number; attempts: number; payloadBase64: string }[] };
      assert.equal(messages.map((m) => [m.seq, m.attempts, Buffer.from(m.payloadBase64, 'base64').toString()]), [[poison, 3, 'abort']]);
    });
  });
});

test('ordered: true keeps each subject\'s messages in order', async () => {
  await withHost(hostOpts(), async (h) => {
    await deploy(h, 'seq', 'map-probe', { triggers: [{ stream: 'events', subjects: ['events.>'], ordered: true }] });
    await consumerReady('events', 'seq');
    const subjectOf = new Map<number, string>();
    const n = 300;
    for (let i = 0; i < n; i++) {
      const subject = `events.s${i % 3}`;
      subjectOf.set((await js.publish(subject, String(i))).seq, subject);
    }
    await until('every message', () => streamCalls(h, 'seq').length >= n, 60_000, 200);
    const bySubject = new Map<string, number[]>();
    for (const l of streamCalls(h, 'seq')) {
      const seq = Number(String(l.requestId).split(':')[2]);
      const s = subjectOf.get(seq)!;
      bySubject.set(s, [...(bySubject.get(s) ?? []), seq]);
    }
    assert.is(bySubject.size, 3);
    for (const [, seqs] of bySubject) assert.equal(seqs, [...seqs].sort((a, b) => a - b));
  });
});

test('a replica killed mid-stream loses nothing: the other replica gets what it held and every message is acknowledged', async () => {
  const token = 'stream-kill-token';
  const dirs = [await tempDir(), await tempDir()];
  const env = { WASMFN_NATS_URL: nats.url, WASMFN_TOKEN: token, WASMFN_WORKERS: '1' };
  const [a, b] = await Promise.all(dirs.map((d) => spawnHost(d, env, ['--no-examples'])));
  try {
    const config = { triggers: [{ stream: 'jobs', subjects: ['jobs.>'], maxDeliver: 5 }] };
    // Deployed once: both replicas run it (the cluster's registry is shared) and share its durable consumer.
    await deploy({ url: a!.url, token }, 'worker', 'map-probe', config);
    await until('the function on replica B', async () => (await admin({ url: b!.url, token }, '/api/functions/worker')).status === 200);
    await consumerReady('jobs', 'worker');
    const n = 3000;
    const acks = [];
    for (let i = 0; i < n; i++) acks.push(js.publish(`jobs.${i % 7}`, `job ${i}`));
    const last = (await Promise.all(acks)).at(-1)!.seq;
    // Killed once it has run messages: it holds unacknowledged ones then (up to the consumer's max_ack_pending).
    await until('replica A running messages', () => a!.output().includes('"trigger":"stream"'));
    a!.child.kill('SIGKILL');
    await a!.exited;
    // The rest, and what A held (after ack_wait), are B's: every message acknowledged, none given up on.
    await until('every message acknowledged', async () => {
      const info = await jsm.consumers.info('jobs', 'wasmfn_worker_jobs');
      return info.ack_floor.stream_seq >= last && info.num_pending === 0 && info.num_ack_pending === 0;
    }, 90_000, 250);
    const res = await admin({ url: b!.url, token }, '/api/functions/worker');
    const body = (await res.json()) as { triggers: { pending: number }[] };
    assert.is(body.triggers[0]!.pending, 0);
    assert.ok(b!.output().includes('"trigger":"stream"'), 'replica B ran messages');
    // Terminated (dead-lettered) messages move the ack floor too: none may be among them.
    const dead = await admin({ url: b!.url, token }, '/api/functions/worker/dead-letters');
    assert.equal(((await dead.json()) as { messages: unknown[] }).messages, []);
    await stopHost(b!);
  } finally {
    for (const h of [a!, b!]) if (h.child.exitCode === null) await stopHost(h);
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  }
});

test.run();
