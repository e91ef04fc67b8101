// Command-line options of `npm run bench` / `wasmfn bench`, with the quick and full presets.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONTENDER_NAMES } from './contenders/index.js';

export const USAGE = `usage: npm run bench -- [--quick] [--out DIR] [--only NAME,...] [--iterations N]
  --quick              a run of about a minute (fewer samples, 2 s HTTP points)
  --out DIR            where results.json and report.html go (default bench-results/)
  --only NAME,...      contenders to run, and "http" for the HTTP part: ${CONTENDER_NAMES.join(', ')}, http
  --iterations N       cold starts per round for µs-scale contenders (thread/process ones get N/50)
  --rounds N           rounds (default 5, quick 3)
  --http-duration S    seconds per HTTP load point (default 10, quick 2)
  --concurrency LIST   HTTP connections per point (default 1,10,50)
  --no-http            skip the HTTP part
  --quiet              no progress line and no table: only the files`;

export interface BenchOptions {
  quick: boolean;
  outDir: string;
  contenders: string[];
  http: boolean;
  rounds: number;
  iterations: number;
  slowIterations: number;
  phaseIterations: number;
  httpDurationS: number;
  httpWarmupS: number;
  concurrencies: number[];
  quiet: boolean;
}

const FULL = { rounds: 5, iterations: 2000, slowIterations: 40, phaseIterations: 200, httpDurationS: 10, httpWarmupS: 3 };
const QUICK = { rounds: 3, iterations: 300, slowIterations: 8, phaseIterations: 20, httpDurationS: 2, httpWarmupS: 1 };

export class UsageError extends Error {}

function positive(name: string, raw: string | undefined, integer = true): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  return n;
}

export function parseOptions(args: string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      options: {
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        only: { type: 'string' },
        iterations: { type: 'string' },
        rounds: { type: 'string' },
        'http-duration': { type: 'string' },
        concurrency: { type: 'string' },
        'no-http': { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.help) return 'help';
  const preset = parsed.quick ? QUICK : FULL;
  const only = parsed.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const known = new Set<string>([...CONTENDER_NAMES, 'http']);
  for (const n of only ?? []) if (!known.has(n)) throw new UsageError(`--only: unknown name "${n}" (known: ${[...known].join(', ')})`);
  const iterations = positive('iterations', parsed.iterations) ?? preset.iterations;
  const scaled = (perFull: number): number => Math.max(2, Math.ceil((iterations * perFull) / preset.iterations));
  const concurrencies = parsed.concurrency?.split(',').map((s) => positive('concurrency', s.trim())!) ?? [1, 10, 50];
  return {
    quick: parsed.quick,
    outDir: path.resolve(parsed.out ?? 'bench-results'),
    contenders: only ? CONTENDER_NAMES.filter((n) => only.includes(n)) : [...CONTENDER_NAMES],
    http: !parsed['no-http'] && (!only || only.includes('http')),
    rounds: positive('rounds', parsed.rounds) ?? preset.rounds,
    iterations,
    slowIterations: parsed.iterations ? Math.min(preset.slowIterations, scaled(preset.slowIterations)) : preset.slowIterations,
    phaseIterations: parsed.iterations ? Math.min(preset.phaseIterations, scaled(preset.phaseIterations)) : preset.phaseIterations,
    httpDurationS: positive('http-duration', parsed['http-duration'], false) ?? preset.httpDurationS,
    httpWarmupS: Math.min(preset.httpWarmupS, positive('http-duration', parsed['http-duration'], false) ?? Infinity),
    concurrencies,
    quiet: parsed.quiet,
  };
}
