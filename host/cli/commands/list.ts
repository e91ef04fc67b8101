// `wasmfn list`: the deployed functions, one row each.

import type { Command } from '../command.js';
import { table } from '../table.js';

interface Meta { name: string; version: string; abi: string; size: number; limits: { memoryMb: number; timeoutMs: number }; createdAt: string }

export const run: Command = async (_argv, ctx) => {
  const { functions } = await ctx.client.json<{ functions: Meta[] }>('GET', '/api/functions');
  if (!functions.length) {
    ctx.out('no functions deployed');
    return 0;
  }
  ctx.out(table(['name', 'version', 'abi', 'size', 'memoryMb', 'timeoutMs', 'deployed'],
    functions.map((f) => [f.name, f.version, f.abi, f.size, f.limits.memoryMb, f.limits.timeoutMs, f.createdAt])));
  return 0;
};
