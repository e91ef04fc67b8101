// `wasmfn run <file.wasm> [--env K=V]... [--dir HOST_DIR[::GUEST_DIR]]... [--memory-mb N] [--timeout-ms N]
// [--fuel N] [-- args...]`: a WASI command run locally under the host's preparation and limits.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Command } from '../command.js';
import { STARTED, type RunGuestJob, type RunGuestReply } from '../run/protocol.js';
import { DEFAULT_LIMITS, MAX_LIMITS } from '../../config.js';
import { DEFAULT_MAX_TABLE_ELEMENTS, prepareModule } from '../../wasm/prepare.js';
import { WasmfnError } from '../../errors.js';
import { escapeControl } from '../../control-chars.js';

const USAGE = 'usage: wasmfn run <file.wasm> [--env K=V]... [--dir HOST_DIR[::GUEST_DIR]]... [--memory-mb N] [--timeout-ms N] [--fuel N] [-- args...]';

/** Exit codes of a run the guest did not end itself: `timeout`'s, and a trap's as wasmtime gives it (128 + SIGABRT). */
export const EXIT_TIMEOUT = 124;
export const EXIT_TRAP = 134;

export const run: Command = async (argv, ctx) => {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const guestArgs = dash === -1 ? [] : argv.slice(dash + 1);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      env: { type: 'string', multiple: true },
      dir: { type: 'string', multiple: true },
      'memory-mb': { type: 'string' },
      'timeout-ms': { type: 'string' },
      fuel: { type: 'string' },
    },
  });
  const [file, ...extra] = positionals;
  if (!file) {
    ctx.err(USAGE);
    return 2;
  }
  const limits = { ...DEFAULT_LIMITS };
  for (const [flag, key] of [['memory-mb', 'memoryMb'], ['timeout-ms', 'timeoutMs'], ['fuel', 'fuel']] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_LIMITS[key]) {
      ctx.err(`--${flag} must be a whole number from 1 to ${MAX_LIMITS[key]}, got "${v}"`);
      return 2;
    }
    limits[key] = Number(v);
  }
  const env: string[] = [];
  for (const kv of values.env ?? []) {
    if (kv.indexOf('=') <= 0 || kv.includes('\0')) {
      ctx.err(`--env takes KEY=value, got "${kv}"`);
      return 2;
    }
    env.push(kv);
  }
  const dirs: RunGuestJob['dirs'] = [];
  for (const d of values.dir ?? []) {
    const sep = d.indexOf('::');
    const hostDir = sep === -1 ? d : d.slice(0, sep);
    const guestDir = sep === -1 ? d : d.slice(sep + 2);
    if (hostDir === '' || guestDir === '' || !isDir(hostDir)) {
      ctx.err(`--dir takes an existing HOST_DIR[::GUEST_DIR], got "${d}"`);
      return 2;
    }
    dirs.push({ hostDir: path.resolve(hostDir), guestDir });
  }

  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    ctx.err(`cannot read ${file}: ${(e as Error).message}`);
    return 1;
  }
  let prepared;
  try {
    prepared = prepareModule(bytes, { memoryMb: limits.memoryMb, fuel: true, abi: 'wagi', maxTableElements: DEFAULT_MAX_TABLE_ELEMENTS });
  } catch (e) {
    if (!(e instanceof WasmfnError)) throw e;
    ctx.err(`wasmfn run: ${e.code}: ${e.message}`);
    for (const d of e.details ?? []) ctx.err(`  - ${d}`);
    return 1;
  }
  const job: RunGuestJob = {
    bytes: prepared.bytes, memory: prepared.memory, fuel: limits.fuel,
    args: [path.basename(file), ...extra, ...guestArgs], env, dirs,
  };
  const reply = await runInWorker(job, limits.timeoutMs);
  if (reply.kind === 'exit') return reply.code;
  ctx.err(`wasmfn run: ${reply.code}: ${escapeControl(reply.message)}`);
  return reply.code === 'timeout' ? EXIT_TIMEOUT : EXIT_TRAP;
};

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The guest runs in its own thread so that its deadline can stop it wherever it is (a loop, a sleep). */
function runInWorker(job: RunGuestJob, timeoutMs: number): Promise<RunGuestReply> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('../run/guest-worker.js', import.meta.url), { workerData: job, stdout: false, stderr: false });
    let done = false;
    const finish = (r: RunGuestReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    // The deadline counts the guest's own run, as in the host, not the thread's start and the compile before it.
    let timer: NodeJS.Timeout | undefined;
    worker.on('message', (r: RunGuestReply | typeof STARTED) => {
      if (r !== STARTED) finish(r);
      else timer = setTimeout(() => finish({ kind: 'error', code: 'timeout', message: `the run passed its ${timeoutMs} ms` }), timeoutMs);
    });
    worker.once('error', (e) => finish({ kind: 'error', code: 'internal', message: e.message }));
    worker.once('exit', (code) => finish({ kind: 'error', code: 'internal', message: `the guest thread stopped (${code})` }));
  });
}
