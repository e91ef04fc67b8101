// Starts Cloudflare's workerd (the `workerd` npm package's binary) on the generated config and a free loopback
// port, for the HTTP part's `workerd` target. A binary that is missing or does not run here is Unavailable; one
// that runs but does not serve the worker is a failure.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { EXPECTED, INPUT } from './contender.js';
import { readGuest } from './guests.js';
import { Unavailable } from './unavailable.js';
import { writeWorkerdFiles } from './workerd-config.js';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 50;
/** What is kept of workerd's output, for the error message when it does not start. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface WorkerdServer {
  url: string;
  /** workerd's own process, where its CPU time is read. */
  pid: number;
  close(): Promise<void>;
}

/** The binary's path, as the package itself resolves it for this platform. */
function workerdBinary(): string {
  let bin: unknown;
  try {
    bin = (createRequire(import.meta.url)('workerd') as { default?: unknown }).default;
  } catch (e) {
    throw new Unavailable(`the workerd package is not installed or has no binary for this platform (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof bin !== 'string') throw new Unavailable('the workerd package did not name its binary');
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: START_TIMEOUT_MS });
  if (version.error || version.status !== 0) {
    const why = version.error?.message ?? `exit ${version.status}: ${(version.stderr ?? '').trim().slice(0, 300)}`;
    throw new Unavailable(`workerd does not run on this machine (${why})`);
  }
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'POST', body: INPUT });
    return res.status === 200 && (await res.text()) === EXPECTED;
  } catch {
    return false;
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startWorkerd(): Promise<WorkerdServer> {
  const bin = workerdBinary();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-bench-workerd-'));
  let child: ChildProcess | null = null;
  const close = async (): Promise<void> => {
    if (child) await stop(child);
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const config = await writeWorkerdFiles(dir, port, await readGuest('bench-greet'));
    const proc = spawn(bin, ['serve', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    // This process may end without running close (a signal); workerd must not outlive it.
    process.once('exit', () => proc.kill('SIGKILL'));
    let output = '';
    const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-OUTPUT_TAIL_CHARS));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const spawnFailure: { error: Error | null } = { error: null };
    proc.once('error', (e) => (spawnFailure.error = e));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(url))) {
      if (spawnFailure.error) throw new Error(`workerd did not start: ${spawnFailure.error.message}`);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`workerd exited with ${proc.exitCode ?? proc.signalCode} before serving: ${output.trim()}`);
      }
      if (Date.now() > deadline) throw new Error(`workerd did not answer on ${url} within ${START_TIMEOUT_MS} ms: ${output.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    return { url, pid: proc.pid!, close };
  } catch (e) {
    await close();
    throw e;
  }
}
