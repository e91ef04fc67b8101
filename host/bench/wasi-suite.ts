// `npm run test:wasi-suite [-- --only c,rust] [--filter TEXT] [--jobs N]`: every test of the WASI conformance
// suite through `wasmfn run`, one line each, and the total.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findSuite, listCases, LANGUAGES, type SuiteCase } from './wasi-suite/cases.js';
import { runCase, type CaseResult } from './wasi-suite/run-case.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, filter: { type: 'string' }, jobs: { type: 'string' }, suite: { type: 'string' } },
  });
  const suite = values.suite ?? findSuite();
  if (suite === null) {
    process.stderr.write('wasi-suite: the suite was not found (set WASMFN_WASI_TESTSUITE or pass --suite DIR)\n');
    return 2;
  }
  const only = values.only?.split(',');
  const cases = listCases(suite).filter((c) => (!only || only.includes(c.language)) && (!values.filter || c.name.includes(values.filter)));
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
  const jobs = Math.max(1, Number(values.jobs ?? 2));
  const results = new Map<SuiteCase, CaseResult>();
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const r = await runCase(c, { cli, killAfterMs: 60_000, guestTimeoutMs: 20_000 });
      results.set(c, r);
      process.stdout.write(`${r.passed ? 'PASS' : 'FAIL'} ${c.language}/${c.name} (${Math.round(r.ms)} ms)${r.passed ? '' : `  ${r.reason}`}\n`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  for (const lang of LANGUAGES) {
    const mine = cases.filter((c) => c.language === lang);
    if (mine.length === 0) continue;
    const ok = mine.filter((c) => results.get(c)?.passed).length;
    process.stdout.write(`${lang}: ${ok}/${mine.length}\n`);
  }
  const passed = [...results.values()].filter((r) => r.passed).length;
  process.stdout.write(`${passed} passed, ${results.size - passed} failed\n`);
  return passed === results.size ? 0 : 1;
}

main().then((code) => process.exit(code));
