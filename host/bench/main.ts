// `npm run bench` / `wasmfn bench`: runs the cold-start contenders and the HTTP part, writes results.json and
// report.html, prints the table. runBench() is the entry; the file runs itself only when executed directly.

import fs from 'node:fs/promises';
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allContenders } from './contenders/index.js';
import { WORKLOAD } from './contender.js';
import { runHttp } from './http-bench.js';
import { httpRatios } from './http-ratios.js';
import { describeMachine } from './machine.js';
import { parseOptions, USAGE, UsageError } from './options.js';
import { Progress } from './progress.js';
import { renderHtml } from './report-html.js';
import { renderTable } from './report-table.js';
import type { BenchResults } from './results.js';
import { addRatios, runContenders } from './runner.js';

/** Runs the benchmark with command-line `args`; resolves to the process exit code (0 ok, 1 a part failed, 2 usage). */
export async function runBench(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseOptions(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const progress = new Progress(!opts.quiet);
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const chosen = allContenders().filter((c) => opts.contenders.includes(c.name));
  const cold = await runContenders(chosen, opts, progress);
  addRatios(cold.results);
  const http = opts.http
    ? await runHttp({ concurrencies: opts.concurrencies, durationS: opts.httpDurationS, warmupS: opts.httpWarmupS }, progress)
    : { results: [], failures: [] };

  const results: BenchResults = {
    machine,
    startedAt,
    finishedAt: new Date().toISOString(),
    options: {
      quick: opts.quick, rounds: opts.rounds, iterations: opts.iterations, slowIterations: opts.slowIterations,
      phaseIterations: opts.phaseIterations, httpDurationS: opts.http ? opts.httpDurationS : 0, concurrencies: opts.http ? opts.concurrencies : [],
    },
    workload: WORKLOAD,
    contenders: cold.results,
    http: http.results,
    httpRatios: httpRatios(http.results),
  };
  await fs.mkdir(opts.outDir, { recursive: true });
  await fs.writeFile(path.join(opts.outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  await fs.writeFile(path.join(opts.outDir, 'report.html'), renderHtml(results));
  progress.done(`wrote ${path.join(opts.outDir, 'results.json')} and report.html`);
  if (!opts.quiet) process.stdout.write(`${renderTable(results)}\n`);

  const failures = [...cold.failures, ...http.failures];
  if (failures.length > 0) process.stderr.write(`bench: ${failures.length} part(s) failed:\n${failures.map((f) => `  ${f}\n`).join('')}`);
  return failures.length > 0 ? 1 : 0;
}

function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runBench(process.argv.slice(2)).then(
    (code) => {
      // Libraries may keep handles (autocannon's timers, worker pools); the run is over either way.
      process.exit(code);
    },
    (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
