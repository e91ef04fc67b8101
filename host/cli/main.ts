#!/usr/bin/env node
// The `wasmfn` command line: serve the host, or talk to a running one over its HTTP API.

import path from 'node:path';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ApiClient, ApiError } from './client.js';
import type { Command, CommandContext } from './command.js';
import { escapeControl, escapeControlKeepLines } from '../control-chars.js';

const USAGE = `usage: wasmfn <command> [options]

  serve [--host H] [--port N] [--data DIR] [--token-file F] [--workers N] [--no-examples] [--nats URL]
                                       run the host (env: HOST, PORT, WASMFN_DATA, WASMFN_TOKEN, ...)
  deploy <name> <file.wasm> [--config FILE] [--memory-mb N] [--timeout-ms N] [--fuel N] [--abi A] [--env K=V ...] [--files ARCHIVE]
  list                                 deployed functions
  invoke <name> [path] [--data TEXT] [--method M] [--header "K: V"] [-i] [--async [--callback URL]]
  invocation <id> [--wait]             an asynchronous invocation's status and result
  rm <name>                            delete a function
  rollback <name> [--version V]        back to the previous (or the named) version
  logs <name> [--limit N] [--follow]   recent invocations and their log lines
  usage <name> [--since ISO]           invocations, wall time, fuel, GB-seconds
  map <name> [input.ndjson|-] [-o out.ndjson] [--concurrency N] [--retries N] [--envelope] [--headers]
                                       run every NDJSON line through the function, results in input order
  run <file.wasm> [--env K=V]... [--dir HOST_DIR[::GUEST_DIR]]... [--memory-mb N] [--timeout-ms N] [--fuel N] [-- args...]
                                       run a WASI command locally, under the host's limits
  bench [--quick] [--out DIR] [--only A,B] [--iterations N]
                                       cold-start benchmark

Client options (any command but serve): --url URL (env WASMFN_URL, default http://127.0.0.1:$PORT or :8080),
--data-dir DIR to find the admin token (env WASMFN_DATA, default ./data; or set WASMFN_TOKEN).`;

const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  serve: () => import('./commands/serve.js'),
  deploy: () => import('./commands/deploy.js'),
  list: () => import('./commands/list.js'),
  ls: () => import('./commands/list.js'),
  invoke: () => import('./commands/invoke.js'),
  invocation: () => import('./commands/invocation.js'),
  rm: () => import('./commands/rm.js'),
  rollback: () => import('./commands/rollback.js'),
  logs: () => import('./commands/logs.js'),
  usage: () => import('./commands/usage.js'),
  map: () => import('./commands/map.js'),
  bench: () => import('./commands/bench.js'),
  run: () => import('./commands/run.js'),
};

/** Takes `--name value` / `--name=value` out of argv wherever it stands. */
function takeFlag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}` && i + 1 < argv.length) return argv.splice(i, 2)[1];
    if (a.startsWith(`--${name}=`)) return argv.splice(i, 1)[0]!.slice(name.length + 3);
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  // Much of what is printed comes from the host and from guests: no control character reaches the terminal raw.
  // Commands escape the fields they put on one line; line feeds and tabs left here are the commands' own.
  const out = (s: string) => process.stdout.write(`${escapeControlKeepLines(s)}\n`);
  const err = (s: string) => process.stderr.write(`${escapeControlKeepLines(s)}\n`);
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    out(USAGE);
    return cmd ? 0 : 2;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    err(`wasmfn: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  const args = [...rest];
  let dataDir = process.env.WASMFN_DATA || 'data';
  let url = process.env.WASMFN_URL || `http://127.0.0.1:${process.env.PORT || 8080}`;
  if (cmd !== 'serve' && cmd !== 'bench' && cmd !== 'run') {
    url = takeFlag(args, 'url') ?? url;
    dataDir = takeFlag(args, 'data-dir') ?? dataDir;
  }
  const ctx: CommandContext = { client: new ApiClient({ url, dataDir: path.resolve(dataDir) }), out, err };
  try {
    const { run } = await load();
    return await run(args, ctx);
  } catch (e) {
    if (e instanceof ApiError) {
      err(`wasmfn: ${escapeControl(e.message)}${e.code && e.status ? ` (${escapeControl(e.code)}, HTTP ${e.status})` : ''}`);
      for (const d of e.details ?? []) err(`  - ${escapeControl(d)}`);
      return 1;
    }
    if (e instanceof TypeError && 'code' in e && String((e as { code: string }).code).startsWith('ERR_PARSE_ARGS')) {
      err(`wasmfn ${cmd}: ${e.message}`);
      return 2;
    }
    err(`wasmfn: ${escapeControl(e instanceof Error ? e.message : String(e))}`);
    return 1;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`wasmfn: ${escapeControl(e instanceof Error ? e.message : String(e))}\n`);
      process.exit(1);
    },
  );
}
