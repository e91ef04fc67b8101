// A private nats-server and wasmfn replicas as child processes, for the cluster benchmark.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPLICA = fileURLToPath(new URL('./cluster-replica.js', import.meta.url));

export interface Proc {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(ok: () => Promise<boolean>, child: ChildProcess, what: string, output: () => string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await ok())) {
    if (child.exitCode !== null) throw new Error(`${what} exited:\n${output()}`);
    if (Date.now() > end) throw new Error(`${what} did not start in 30 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    cleanup();
  };
}

export async function startNatsServer(): Promise<Proc> {
  const bin = process.env.NATS_SERVER ?? ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => fs.existsSync(p));
  if (!bin) throw new Error('nats-server is not installed (Debian package nats-server), or set NATS_SERVER');
  const port = await freePort();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmfn-bench-nats-'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const connects = () => new Promise<boolean>((r) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); r(true); });
    s.once('error', () => r(false));
  });
  await waitFor(connects, child, 'nats-server', () => out);
  return { url: `nats://127.0.0.1:${port}`, stop: stopper(child, () => fs.rmSync(store, { recursive: true, force: true })) };
}

export async function startReplica(natsUrl: string, id: string, token: string, workers: number): Promise<Proc> {
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), `wasmfn-bench-${id}-`));
  const child = spawn(process.execPath, [REPLICA], {
    env: {
      ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), WASMFN_DATA: data, WASMFN_NATS_URL: natsUrl,
      WASMFN_TOKEN: token, WASMFN_REPLICA: id, WASMFN_WORKERS: String(workers),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => fetch(`${url}/healthz`).then((r) => r.ok, () => false), child, `replica ${id}`, () => out);
  return { url, stop: stopper(child, () => fs.rmSync(data, { recursive: true, force: true })) };
}
