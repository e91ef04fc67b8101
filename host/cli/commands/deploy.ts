// `wasmfn deploy <name> <file.wasm> [--memory-mb N] [--timeout-ms N] [--fuel N] [--abi A] [--env K=V ...] [--files ARCHIVE]`

import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { table } from '../table.js';

export const run: Command = async (argv, ctx) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'memory-mb': { type: 'string' },
      'timeout-ms': { type: 'string' },
      fuel: { type: 'string' },
      abi: { type: 'string' },
      env: { type: 'string', multiple: true },
      files: { type: 'string' },
    },
  });
  const [name, file] = positionals;
  if (!name || !file || positionals.length > 2) {
    ctx.err('usage: wasmfn deploy <name> <file.wasm> [--memory-mb N] [--timeout-ms N] [--fuel N] [--abi sdk|loader|wagi] [--env K=V ...] [--files ARCHIVE.tar|.tar.gz|.zip]');
    return 2;
  }
  const limits: Record<string, number> = {};
  for (const [flag, key] of [['memory-mb', 'memoryMb'], ['timeout-ms', 'timeoutMs'], ['fuel', 'fuel']] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v)) {
      ctx.err(`--${flag} must be a positive whole number, got "${v}"`);
      return 2;
    }
    limits[key] = Number(v);
  }
  const env: Record<string, string> = {};
  for (const kv of values.env ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) {
      ctx.err(`--env takes KEY=value, got "${kv}"`);
      return 2;
    }
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    ctx.err(`cannot read ${file}: ${(e as Error).message}`);
    return 1;
  }
  let files: Buffer | null = null;
  if (values.files !== undefined) {
    try {
      files = await fs.readFile(values.files);
    } catch (e) {
      ctx.err(`cannot read ${values.files}: ${(e as Error).message}`);
      return 1;
    }
  }
  const form = new FormData();
  if (files) form.set('files', new Blob([new Uint8Array(files)]), 'files');
  form.set('module', new Blob([new Uint8Array(bytes)], { type: 'application/wasm' }), 'module.wasm');
  form.set('config', JSON.stringify({ limits, env, ...(values.abi ? { abi: values.abi } : {}) }));
  const res = await ctx.client.api('PUT', `/api/functions/${encodeURIComponent(name)}`, form);
  const meta = (await res.json()) as { name: string; version: string; abi: string; size: number; limits: Record<string, number>; compileMs: number };
  ctx.out(res.status === 201 ? `deployed ${meta.name} version ${meta.version}` : `${meta.name} already at version ${meta.version} (unchanged)`);
  ctx.out(table(['abi', 'size', 'memoryMb', 'timeoutMs', 'fuel', 'compileMs'], [[meta.abi, meta.size, meta.limits.memoryMb!, meta.limits.timeoutMs!, meta.limits.fuel!, meta.compileMs]]));
  return 0;
};
