// One suite test through `wasmfn run`, as the suite's own runner does it: args, env, the root folder preopened
// as `/` on a fresh writable copy, then the exit code and (when given) stdout compared.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SuiteCase } from './cases.js';

export interface CaseResult {
  passed: boolean;
  /** Why it failed, in one line. */
  reason: string;
  ms: number;
}

export interface RunCaseOptions {
  /** The `wasmfn` entry point (dist/host/cli/main.js). */
  cli: string;
  /** Whole-test limit for the child process, on top of the guest's own deadline. */
  killAfterMs: number;
  guestTimeoutMs: number;
}

function writableCopy(src: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-suite-'));
  const dest = path.join(tmp, 'root');
  fs.cpSync(src, dest, { recursive: true });
  const chmod = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) chmod(path.join(p, e));
  };
  chmod(dest);
  return dest;
}

export async function runCase(c: SuiteCase, opts: RunCaseOptions): Promise<CaseResult> {
  const t0 = performance.now();
  const root = c.root ? writableCopy(c.root) : null;
  const args = [opts.cli, 'run', c.wasm, '--timeout-ms', String(opts.guestTimeoutMs), '--memory-mb', '256'];
  for (const [k, v] of Object.entries(c.env)) args.push('--env', `${k}=${v}`);
  if (root) args.push('--dir', `${root}::/`);
  args.push('--', ...c.args);
  try {
    const { code, stdout, stderr, killed } = await spawnCollect(process.execPath, args, opts.killAfterMs);
    const ms = performance.now() - t0;
    const tail = stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300);
    if (killed) return { passed: false, reason: `killed after ${opts.killAfterMs} ms`, ms };
    if (code !== c.exitCode) return { passed: false, reason: `exit ${code}, expected ${c.exitCode}${tail ? `: ${tail}` : ''}`, ms };
    if (c.stdout !== null && stdout !== c.stdout) return { passed: false, reason: `stdout ${JSON.stringify(stdout.slice(0, 80))}, expected ${JSON.stringify(c.stdout)}`, ms };
    return { passed: true, reason: '', ms };
  } finally {
    if (root) fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
}

function spawnCollect(cmd: string, args: string[], killAfterMs: number): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}
