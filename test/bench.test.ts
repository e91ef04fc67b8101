import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../host/bench/main.js';
import { CONTENDER_NAMES } from '../host/bench/contenders/index.js';
import type { BenchResults, HttpResult, Summary } from '../host/bench/results.js';

const bench = suite('cold-start benchmark');

const ISOLATIONS = new Set(['wasm-instance', 'worker', 'process', 'vm-context', 'extism', 'none']);

function assertSummary(s: Summary, what: string): void {
  for (const k of ['p50', 'p90', 'p99', 'max', 'mean'] as const) {
    assert.type(s[k], 'number', `${what}.${k}`);
    assert.ok(s[k]! >= 0, `${what}.${k} is not negative`);
  }
  assert.ok(s.p50! <= s.p99! && s.p99! <= s.max!, `${what} percentiles are ordered`);
  assert.ok(s.n > 0, `${what}.n`);
}

async function readRun(dir: string): Promise<{ results: BenchResults; html: string }> {
  return {
    results: JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8')) as BenchResults,
    html: await fs.readFile(path.join(dir, 'report.html'), 'utf8'),
  };
}

bench('a quick run with a tiny iteration count writes a complete results.json and an SVG report', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-bench-test-'));
  try {
    const code = await runBench(['--quick', '--iterations', '3', '--rounds', '2', '--no-http', '--quiet', '--out', dir]);
    assert.is(code, 0);
    const { results, html } = await readRun(dir);
    for (const k of ['cpu', 'cores', 'node', 'v8', 'os'] as const) assert.ok(results.machine[k], `machine.${k}`);
    assert.ok(!Number.isNaN(Date.parse(results.startedAt)), 'startedAt is a date');
    assert.equal(results.contenders.map((c) => c.name), [...CONTENDER_NAMES]);
    for (const c of results.contenders) {
      assert.is(c.skipped, undefined, `${c.name} ran`);
      assert.ok(ISOLATIONS.has(c.isolation), `${c.name} isolation ${c.isolation}`);
      assertSummary(c.coldStartUs, `${c.name}.coldStartUs`);
      for (const [phase, s] of Object.entries(c.phasesUs ?? {})) assertSummary(s, `${c.name}.phasesUs.${phase}`);
      assert.ok(c.cdfUs.length > 1, `${c.name} has CDF points`);
      assert.type(c.ratioP50, 'number');
    }
    const host = results.contenders.filter((c) => c.host);
    assert.equal(host.map((c) => c.name), ['wasmfn']);
    assert.is(host[0]!.ratioP50, 1);
    assert.ok(results.contenders.find((c) => c.name === 'wasmfn')!.phasesUs?.compile, 'wasmfn reports a compile phase');
    assert.equal(results.http, []);
    assert.equal(results.httpRatios, []);
    assert.ok(html.includes('<svg'), 'report has an SVG chart');
    assert.ok(!/(src|href)="https?:/.test(html), 'report loads nothing from the network');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/** Every field of a measured row; the CPU split where /proc exists. */
function assertMeasured(h: HttpResult): void {
  assert.is(h.skipped, undefined, `${h.target} ran`);
  assert.ok(h.requests > 0, `${h.target} served requests`);
  assert.is(h.errors + h.non2xx, 0, `${h.target} answered every request`);
  assert.type(h.requestsPerSec, 'number');
  assert.type(h.latencyMs.p50, 'number');
  assert.type(h.latencyMs.p99, 'number');
  if (process.platform !== 'linux') assert.is(h.cpuPerRequest, null);
  else {
    const c = h.cpuPerRequest!;
    assert.ok(c.serverMainUs > 0 && c.loadGeneratorUs > 0, `${h.target} costs CPU on both sides`);
    assert.ok(c.serverOtherUs >= 0 && c.switches >= 0);
  }
}

bench('the HTTP part loads hello against Hono and the sandbox alone, and the loader-form module on wasmfn against workerd', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-bench-test-'));
  try {
    const code = await runBench(['--quick', '--only', 'wasmfn,http', '--iterations', '3', '--rounds', '1', '--http-duration', '0.3', '--concurrency', '1,2', '--quiet', '--out', dir]);
    assert.is(code, 0, 'a workerd that cannot run here is skipped, not a failure');
    const { results, html } = await readRun(dir);
    assert.equal(results.contenders.map((c) => c.name), ['wasmfn']);
    const targets = ['wasmfn', 'hono', 'sandbox', 'sandbox-reset', 'sandbox-empty', 'sandbox-instance', 'wasmfn-loader', 'workerd'];
    assert.equal(results.http.map((h) => `${h.target}@${h.concurrency}`), [...targets.map((t) => `${t}@1`), ...targets.map((t) => `${t}@2`)]);
    const row = (target: string, c: number): HttpResult => results.http.find((h) => h.target === target && h.concurrency === c)!;
    for (const c of [1, 2]) {
      for (const target of ['wasmfn', 'hono', 'sandbox', 'sandbox-reset', 'sandbox-empty', 'sandbox-instance', 'wasmfn-loader']) assertMeasured(row(target, c));
      assert.is(row('sandbox-reset', c).isolation, 'wasm-reset');
      assert.equal(row('wasmfn-loader', c).method, 'POST');
      assert.equal(row('wasmfn-loader', c).path, '/fn/bench-greet');
      const workerd = row('workerd', c);
      assert.is(workerd.isolation, 'v8-isolate');
      if (workerd.skipped === undefined) assertMeasured(workerd);
      else assert.match(workerd.skipped, /^skipped: \S/, 'a skipped workerd says why');
    }
    const ratios = results.httpRatios.map((r) => `${r.of}/${r.to} ${r.metric}@${r.concurrency}`);
    const expected = [
      'wasmfn/hono req/s@1', 'wasmfn/hono req/s@2', 'wasmfn/hono p50@1',
      'sandbox/hono req/s@1', 'sandbox/hono req/s@2', 'sandbox/hono p50@1',
      'sandbox-reset/hono req/s@1', 'sandbox-reset/hono req/s@2', 'sandbox-reset/hono p50@1',
      'sandbox-empty/hono req/s@1', 'sandbox-empty/hono req/s@2',
      'sandbox-instance/hono req/s@1', 'sandbox-instance/hono req/s@2',
      'wasmfn/sandbox req/s@1', 'wasmfn/sandbox req/s@2',
    ];
    if (row('workerd', 1).skipped === undefined) expected.push('wasmfn-loader/workerd req/s@1', 'wasmfn-loader/workerd req/s@2');
    assert.equal(ratios, expected);
    for (const r of results.httpRatios) assert.ok(r.value > 0, `${r.of}/${r.to} ${r.metric} is positive`);
    for (const target of targets) assert.ok(html.includes(`<td>${target}</td>`), `report shows ${target}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

bench.run();
