// The WASI conformance suite's tests that need no filesystem (test/fixtures/wasi-testsuite: every AssemblyScript
// test, the C ones without a root), each prepared as the host prepares a module and run as `wasmfn run` runs it.
// `npm run test:wasi-suite` runs the whole suite, filesystem tests included, through the CLI.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listCases, type SuiteCase } from '../host/bench/wasi-suite/cases.js';
import { runGuest } from '../host/cli/run/run-guest.js';
import { DEFAULT_MAX_TABLE_ELEMENTS, prepareModule } from '../host/wasm/prepare.js';
import type { WasiStreams } from '../host/abi/wasi/preview1.js';

const SUITE = fileURLToPath(new URL('../../test/fixtures/wasi-testsuite/', import.meta.url));
const cases = listCases(SUITE);

function capture(): { streams: WasiStreams; stdout: () => string } {
  const chunks: Buffer[] = [];
  return {
    streams: {
      stdin: { readInto: () => 0, remaining: 0 },
      stdout: { write: (b) => (chunks.push(Buffer.from(b)), true) },
      stderr: { write: () => {}, flush: () => {} },
    },
    stdout: () => Buffer.concat(chunks).toString('utf8'),
  };
}

function run(c: SuiteCase): { code: number | string; stdout: string } {
  const prepared = prepareModule(fs.readFileSync(c.wasm), { memoryMb: 16, fuel: true, abi: 'wagi', maxTableElements: DEFAULT_MAX_TABLE_ELEMENTS });
  const out = capture();
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${v}`);
  const r = runGuest({ bytes: prepared.bytes, memory: prepared.memory, fuel: 2_000_000_000, args: [c.name, ...c.args], env, dirs: [] }, out.streams);
  return { code: r.kind === 'exit' ? r.code : r.code, stdout: out.stdout() };
}

test('the fixture holds the suite subset it says: 12 AssemblyScript and 7 C tests, none with a filesystem', () => {
  assert.is(cases.filter((c) => c.language === 'assemblyscript').length, 12);
  assert.is(cases.filter((c) => c.language === 'c').length, 7);
  assert.ok(cases.every((c) => c.root === null));
});

for (const c of cases) {
  test(`${c.language}/${c.name}: exit code ${c.exitCode}${c.stdout === null ? '' : ' and its stdout'}`, () => {
    const r = run(c);
    assert.is(r.code, c.exitCode);
    if (c.stdout !== null) assert.is(r.stdout, c.stdout);
  });
}

test.run();
