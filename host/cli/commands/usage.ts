// `wasmfn usage <name> [--since ISO|30m|6h|7d] [--json]`: what a function has used (calls, time, fuel, GB-seconds).

import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { parseIsoDateTime, type UsageSummary } from '../../observe/usage-buckets.js';
import { table } from '../table.js';

type UsageReply = UsageSummary & { function: string; since: string | null };

const USAGE = 'usage: wasmfn usage <name> [--since ISO-date-time|30m|6h|7d] [--json]';
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const run: Command = async (argv, ctx) => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { since: { type: 'string' }, json: { type: 'boolean', default: false } } });
  } catch (e) {
    ctx.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const since = values.since === undefined ? null : sinceIso(values.since);
  if (positionals.length !== 1 || since === undefined) {
    ctx.err(USAGE);
    return 2;
  }
  const name = positionals[0]!;
  const q = since ? `?${new URLSearchParams({ since })}` : '';
  const u = await ctx.client.json<UsageReply>('GET', `/api/functions/${encodeURIComponent(name)}/usage${q}`);
  ctx.out(values.json ? JSON.stringify(u, null, 2) : formatUsage(u));
  return 0;
};

/** An ISO date-time as is, or a relative span like 30m back from now; undefined when neither. */
export function sinceIso(s: string, nowMs = Date.now()): string | undefined {
  const rel = /^(\d+)([smhd])$/.exec(s);
  const t = rel ? nowMs - Number(rel[1]) * UNIT_MS[rel[2]!]! : parseIsoDateTime(s);
  // A span reaching back past the earliest Date (-271821-04-20) is not a date either.
  return t !== null && Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : undefined;
}

export function formatUsage(u: UsageReply): string {
  const ms = (n: number | null) => (n === null ? '-' : `${n.toFixed(3)} ms`);
  const outcomes = Object.entries(u.invocations.byOutcome).sort((a, b) => b[1] - a[1]);
  const rows: (string | number)[][] = [
    ['function', u.function],
    ['period', `${u.from ?? u.since ?? '(no invocations)'} .. ${u.to}`],
    ['invocations', u.invocations.total],
    ...outcomes.map(([k, n]) => [`  ${k}`, n]),
    ['wall time total', ms(u.wallTimeMs.total)],
    ['wall time p50 / p90 / p99', `${ms(u.wallTimeMs.p50)} / ${ms(u.wallTimeMs.p90)} / ${ms(u.wallTimeMs.p99)}`],
    ['exec time total', ms(u.execTimeMs.total)],
    ['fuel total', u.fuel.total],
    ['GB-s at memory cap', u.gbSeconds.memoryCap.toFixed(9)],
    ['GB-s at peak memory', u.gbSeconds.peakMemory.toFixed(9)],
    ['bytes in / out', `${u.bytes.in} / ${u.bytes.out}`],
  ];
  return table(['usage', 'value'], rows);
}
