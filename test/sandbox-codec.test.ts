// The records that cross between the main thread and a worker: job and result codecs, the byte writer's
// overflow, and the queue the pool keeps.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordReader, ByteWriter, Overflow } from '../host/sandbox/bytes.js';
import { decodeJob, encodeJob, jobBytes, jobRequest, localJob, requestSource, splitHost, wireBytes, wireMethodPath, type JobInput } from '../host/sandbox/job-codec.js';
import { decodeResult, encodeResult, type WorkerResult } from '../host/sandbox/result-codec.js';
import { decodeRequestWire } from '../host/abi/sdk-wire.js';
import { Deque } from '../host/sandbox/deque.js';

const codec = suite('sandbox codecs');

function input(over: Partial<JobInput> = {}): JobInput {
  return {
    method: 'POST', path: '/a/b%20c', query: 'x=1&y=%E2%82%AC',
    rawHeaders: ['Host', 'example.com:8080', 'X-Custom', 'yes', 'Content-Type', 'text/plain'],
    body: new TextEncoder().encode('payload ✓'), remoteAddr: '10.0.0.7', requestId: 'req-1', receivedAt: 1234.5,
    ...over,
  };
}

function roundTrip(i: JobInput) {
  const size = jobBytes(i);
  const buf = Buffer.alloc(size);
  encodeJob(new ByteWriter(buf, 0, size), 42, 99.25, 7, i);
  return decodeJob(buf);
}

codec('a job survives the trip with lower-cased header names and its exact size known beforehand', () => {
  const job = roundTrip(input());
  assert.is(job.jobId, 42);
  assert.is(job.enqueuedAt, 99.25);
  assert.is(job.receivedAt, 1234.5);
  assert.is(job.moduleId, 7);
  assert.is(job.requestId, 'req-1');
  assert.is(job.remoteAddr, '10.0.0.7');
  assert.is(job.bodyBytes, input().body.length);
  const wire = decodeRequestWire(job.wire);
  assert.is(wire.method, 'POST');
  assert.is(wire.path, '/a/b%20c');
  assert.is(wire.query, 'x=1&y=%E2%82%AC');
  assert.equal(wire.headers, [['host', 'example.com:8080'], ['x-custom', 'yes'], ['content-type', 'text/plain']]);
  assert.is(new TextDecoder().decode(wire.body), 'payload ✓');
  assert.equal(wireMethodPath(job.wire), { method: 'POST', path: '/a/b%20c' });
});

codec('header bytes that arrived as UTF-8 reach the guest as those bytes', () => {
  // Node hands over header bytes one per character (latin1); "Zoë" in UTF-8 arrives as "ZoÃ«".
  const arrived = Buffer.from('Zoë', 'utf8').toString('latin1');
  const job = roundTrip(input({ rawHeaders: ['X-Name', arrived] }));
  const n = job.wire.readUInt32LE(0);
  const headerValue = decodeRequestWire(job.wire).headers[0]![1];
  assert.ok(n > 0);
  assert.is(Buffer.from(headerValue, 'latin1').toString('utf8'), 'Zoë');
});

codec('the decoded request gives WAGI its server facts from the Host header', () => {
  const job = roundTrip(input());
  const req = jobRequest(job, { name: 'echo', version: 'v1', env: { A: '1' } }).decoded();
  assert.is(req.server.host, 'example.com');
  assert.is(req.server.port, 8080);
  assert.is(req.server.remoteAddr, '10.0.0.7');
  assert.is(req.server.matchedRoute, '/fn/echo');
  assert.is(req.server.fullUrl, 'http://example.com:8080/fn/echo/a/b%20c?x=1&y=%E2%82%AC');
  assert.equal(req.fn.env, { A: '1' });
  assert.equal(splitHost('[::1]:9000'), { host: '[::1]', port: 9000 });
  assert.equal(splitHost('localhost'), { host: 'localhost', port: 80 });
});

codec('the SDK gets the wire bytes copied as they are', () => {
  const job = roundTrip(input());
  const src = jobRequest(job, { name: 'f', version: 'v', env: {} });
  const dest = new Uint8Array(src.wireLength + 8);
  src.writeWire(dest, 8);
  assert.equal(Buffer.from(dest.subarray(8)), Buffer.from(job.wire));
});

codec('the body alone is the decoded body, whether the job crossed to a worker or stayed on this thread', () => {
  for (const body of [new Uint8Array(0), Buffer.from('hello, world'), Buffer.from('x'.repeat(70_000))]) {
    const i = input({ body });
    const fn = { name: 'f', version: 'v', env: {} };
    const crossed = jobRequest(roundTrip(i), fn);
    const stayed = jobRequest(localJob(Buffer.alloc(wireBytes(i)), 0, i), fn);
    for (const src of [crossed, stayed]) {
      assert.equal(Buffer.from(src.body), Buffer.from(body));
      assert.equal(Buffer.from(src.body), Buffer.from(src.decoded().body));
    }
  }
});

codec('a request given decoded (tests, benchmarks) gets the wire bytes the host writes for a job', () => {
  const i = input({ rawHeaders: ['host', 'example.com:8080', 'x-name', Buffer.from('Zoë', 'utf8').toString('latin1')] });
  const decoded = jobRequest(roundTrip(i), { name: 'f', version: 'v', env: {} }).decoded();
  const src = requestSource(decoded);
  const dest = new Uint8Array(src.wireLength);
  src.writeWire(dest, 0);
  assert.equal(Buffer.from(dest), Buffer.from(roundTrip(i).wire));
  assert.is(src.decoded(), decoded);
});

codec('the job a thread runs itself is the one a worker would decode, for short and long strings alike', () => {
  const long = 'v'.repeat(63) + 'é' + 'w'.repeat(200);
  for (const i of [input(), input({ query: long, rawHeaders: ['X-Long', long, 'X-64', 'x'.repeat(64), 'X-65', 'y'.repeat(65), 'X-Empty', ''] })]) {
    const buf = Buffer.alloc(wireBytes(i));
    const local = localJob(buf, 99.25, i);
    const decoded = roundTrip(i);
    assert.equal({ ...local, wire: [...local.wire] }, { ...decoded, jobId: 0, moduleId: 0, wire: [...decoded.wire] });
  }
});

codec('a fixed-size writer refuses a record that does not fit, a growable one grows', () => {
  const small = new ByteWriter(Buffer.alloc(64), 0, 64);
  assert.throws(() => small.utf8('x'.repeat(100)), (e: unknown) => e instanceof Overflow);
  const g = ByteWriter.growable(8);
  g.utf8('é'.repeat(1000));
  assert.is(new RecordReader(g.written()).utf8(), 'é'.repeat(1000));
});

const stats = { queueMs: 1.5, instantiateMs: 0.01, runMs: 0.02, fuelUsed: 17569, peakPages: 1, logs: [{ level: 'warn' as const, line: 'careful' }], totalMs: 2.5, line: Buffer.from('{"msg":"x"}\n') };

codec('a success result carries status, headers, body, stats, guest logs and the log line', () => {
  const r: WorkerResult = { kind: 'ok', status: 201, headers: [['content-type', 'text/plain'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']], body: Buffer.from('hi'), stats };
  const w = ByteWriter.growable(16);
  encodeResult(w, 5, r);
  const out = decodeResult(new RecordReader(w.written()), true);
  assert.ok('ok' in out && out.ok);
  if (!('ok' in out) || !out.ok) return;
  assert.is(out.status, 201);
  assert.equal(out.headers, ['content-type', 'text/plain', 'set-cookie', 'a=1', 'set-cookie', 'b=2']);
  assert.is(Buffer.from(out.body).toString(), 'hi');
  assert.is(out.fuelUsed, 17569);
  assert.is(out.totalMs, 2.5);
  assert.equal(out.logs, [{ level: 'warn', line: 'careful' }]);
  assert.is(Buffer.from(out.line!).toString('utf8'), '{"msg":"x"}\n');
});

codec('an error result keeps its code, details and stack; an unmetered run and a missing line stay null', () => {
  const r: WorkerResult = { kind: 'error', error: { code: 'trap', message: 'wasm trap: unreachable', details: ['d1'] }, trapStack: ['f1', 'f2'], stats: { ...stats, fuelUsed: null, line: null } };
  const w = ByteWriter.growable(16);
  encodeResult(w, 6, r);
  const out = decodeResult(new RecordReader(w.written()), false);
  assert.ok('ok' in out && !out.ok);
  if (!('ok' in out) || out.ok) return;
  assert.equal(out.error, { code: 'trap', message: 'wasm trap: unreachable', details: ['d1'] });
  assert.equal(out.trapStack, ['f1', 'f2']);
  assert.is(out.fuelUsed, null);
  assert.is(out.line, null);
  const missing = ByteWriter.growable(16);
  encodeResult(missing, 7, { kind: 'missing', moduleId: 12 });
  assert.equal(decodeResult(new RecordReader(missing.written()), false), { missing: 12 });
});

codec('the deque keeps order at both ends across growth', () => {
  const d = new Deque<number>();
  for (let i = 0; i < 40; i++) d.push(i);
  d.unshift(-1);
  assert.is(d.shift(), -1);
  assert.is(d.shift(), 0);
  d.unshift(100);
  assert.is(d.length, 40);
  const rest = d.drain();
  assert.is(rest[0], 100);
  assert.is(rest[rest.length - 1], 39);
  assert.is(d.length, 0);
  assert.is(d.shift(), undefined);
});

codec.run();
