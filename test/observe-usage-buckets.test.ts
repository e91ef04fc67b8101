// Usage buckets: totals survive roll-ups, files stay bounded, percentiles are close to the real ones.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DAY_MS, HOUR_MS, MINUTE_MS, addRecord, compact, emptyBucket, summarize, type UsageBucket } from '../host/observe/usage-buckets.js';
import type { InvocationRecord } from '../host/invocation/record.js';

const test = suite('observe usage buckets');

function rec(totalMs: number, code: InvocationRecord['code'] = null): InvocationRecord {
  return {
    requestId: 'r', time: 0, function: 'f', version: 'v', method: 'GET', path: '/', status: code ? 500 : 200, code,
    queueMs: 0, instantiateMs: totalMs / 4, runMs: totalMs / 2, totalMs, fuelUsed: 10, peakPages: 16, memoryMb: 16,
    bytesIn: 1, bytesOut: 2, logs: [],
  };
}

test('a year of minute buckets rolls up into a bounded list with the same totals', () => {
  const now = Date.UTC(2025, 0, 1);
  let buckets: UsageBucket[] = [];
  for (let t = now - 400 * DAY_MS; t < now; t += 7 * MINUTE_MS) {
    const b = emptyBucket(t - (t % MINUTE_MS), MINUTE_MS);
    addRecord(b, rec(1));
    buckets.push(b);
  }
  const count = buckets.length;
  buckets = compact(buckets, now);
  assert.ok(buckets.length < 6 * 60 + 14 * 24 + 400 + 2, `kept ${buckets.length} buckets`);
  assert.is(summarize(buckets, null, now).invocations.total, count);
  assert.is(summarize(buckets, null, now).fuel.total, count * 10);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.t >= buckets[i - 1]!.t + buckets[i - 1]!.spanMs);
  assert.equal(compact(buckets, now).length, buckets.length);
});

test('buckets older than the day tier merge into one archive bucket', () => {
  const now = Date.UTC(2025, 0, 1);
  const old = [emptyBucket(now - 1000 * DAY_MS, DAY_MS), emptyBucket(now - 900 * DAY_MS, DAY_MS)];
  addRecord(old[0]!, rec(1, 'trap'));
  addRecord(old[1]!, rec(1));
  const out = compact(old, now);
  assert.is(out.length, 1);
  assert.equal(out[0]!.outcomes, { trap: 1, ok: 1 });
  assert.is(out[0]!.t, now - 1000 * DAY_MS);
});

test('the live bucket keeps its identity through a compaction', () => {
  const now = Date.UTC(2025, 0, 1, 12);
  const live = emptyBucket(now - MINUTE_MS, MINUTE_MS);
  const older = emptyBucket(now - 10 * HOUR_MS, MINUTE_MS);
  const out = compact([older, live], now);
  assert.ok(out.includes(live));
  assert.is(out.find((b) => b !== live)!.spanMs, HOUR_MS);
});

test('percentiles are within the bin resolution of the exact ones', () => {
  const b = emptyBucket(0, MINUTE_MS);
  for (let i = 1; i <= 1000; i++) addRecord(b, rec(i / 10));
  const s = summarize([b], null, MINUTE_MS);
  const near = (got: number | null, want: number) => assert.ok(got !== null && Math.abs(got - want) / want < 0.13, `${got} vs ${want}`);
  near(s.wallTimeMs.p50, 50);
  near(s.wallTimeMs.p90, 90);
  near(s.wallTimeMs.p99, 99);
  assert.is(s.invocations.total, 1000);
});

test('GB-seconds follow the memory cap and the peak pages times exec time', () => {
  const b = emptyBucket(0, MINUTE_MS);
  addRecord(b, { ...rec(4000), instantiateMs: 0, runMs: 1000, memoryMb: 1024, peakPages: 8192 });
  const s = summarize([b], null, MINUTE_MS);
  assert.is(s.gbSeconds.memoryCap, 1);
  assert.is(s.gbSeconds.peakMemory, 0.5);
});

test.run();
