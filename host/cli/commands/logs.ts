// `wasmfn logs <name> [--limit N] [--follow] [--json]`: a function's recent invocations and their log lines.

import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../command.js';
import type { LogEntry } from '../../http/observe-routes.js';
import { ApiError } from '../client.js';
import { escapeControl as esc } from '../../control-chars.js';

interface LogsPage {
  function: string;
  hostId: string;
  invocations: LogEntry[];
}

const USAGE = 'usage: wasmfn logs <name> [--limit N] [--follow] [--json]';
const POLL_MS = 1000;

export const run: Command = async (argv, ctx) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        limit: { type: 'string', short: 'n', default: '20' },
        follow: { type: 'boolean', short: 'f', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    ctx.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const limit = Number(values.limit);
  if (positionals.length !== 1 || !Number.isInteger(limit) || limit < 1) {
    ctx.err(USAGE);
    return 2;
  }
  const name = positionals[0]!;
  const print = (e: LogEntry) => ctx.out(values.json ? JSON.stringify(e) : formatEntry(e));

  const first = await page(ctx, name, limit, 0);
  if (!values.follow && !values.json && first.invocations.length === 0) ctx.out(`no invocations of ${name} since the host started`);
  first.invocations.forEach(print);
  if (!values.follow) return 0;

  // Poll with an `after` cursor; a new hostId means the host restarted and numbering began again.
  let hostId = first.hostId;
  let after = last(first.invocations);
  let stopped = false;
  let wake = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', stop);
  let warned = false;
  try {
    while (!stopped) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, POLL_MS);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      if (stopped) break;
      try {
        const p = await page(ctx, name, 1000, after);
        if (p.hostId !== hostId) {
          hostId = p.hostId;
          after = 0;
          continue;
        }
        p.invocations.forEach(print);
        after = Math.max(after, last(p.invocations));
        warned = false;
      } catch (e) {
        if (e instanceof ApiError && e.code !== 'unreachable') throw e;
        if (!warned) ctx.err(`${(e as Error).message}; retrying`);
        warned = true;
      }
    }
  } finally {
    process.off('SIGINT', stop);
  }
  return 0;
};

function page(ctx: CommandContext, name: string, limit: number, after: number): Promise<LogsPage> {
  const q = new URLSearchParams({ limit: String(limit), ...(after > 0 ? { after: String(after) } : {}) });
  return ctx.client.json<LogsPage>('GET', `/api/functions/${encodeURIComponent(name)}/logs?${q}`);
}

function last(entries: LogEntry[]): number {
  return entries.length ? entries[entries.length - 1]!.seq : 0;
}

/**
 * One header line per invocation, then its log lines and any failure, indented. Every field is escaped on its own,
 * so text from a guest or a client (a message, a frame, a path) stays on its line and cannot pass for an entry.
 */
export function formatEntry(e: LogEntry): string {
  const ms = e.durationsMs.total.toFixed(3);
  const fuel = e.fuelUsed === null ? '' : `  fuel ${e.fuelUsed}`;
  const code = e.code ? esc(e.code) : '';
  const lines = [`${esc(e.time)}  ${esc(e.requestId)}  ${esc(e.method)} ${esc(e.path)}  ${e.status}${code ? ` ${code}` : ''}  ${ms} ms${fuel}`];
  for (const l of e.logs) lines.push(`    ${esc(l.level).padEnd(5)}  ${esc(l.line)}`);
  if (code) {
    lines.push(`    ${code}: ${esc(e.message ?? '')}`);
    for (const f of e.trapStack ?? []) lines.push(`        at ${esc(f)}`);
  }
  return lines.join('\n');
}
