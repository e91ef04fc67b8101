// Replicas of one cluster as child processes (`wasmfn serve --port P --data DIR --nats URL`), each on its own
// port and data dir, against a private nats-server.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { CLI, tempDir } from './host.js';
import { freePort } from './nats.js';
import type { HostProcess } from './process.js';

export const CLUSTER_TOKEN = 'cluster-test-token';
export const AUTH = { authorization: `Bearer ${CLUSTER_TOKEN}` };

export interface Replica extends HostProcess {
  id: string;
  dataDir: string;
  port: number;
  /** SIGKILL, no shutdown of any kind. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startReplica(natsUrl: string, id: string, opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<Replica> {
  const dataDir = opts.dataDir ?? (await tempDir(`wasmfn-replica-${id}-`));
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', dataDir, '--nats', natsUrl, '--no-examples'], {
    env: { ...process.env, LOG_LEVEL: 'warn', WASMFN_WORKERS: '1', WASMFN_TOKEN: CLUSTER_TOKEN, WASMFN_REPLICA: id, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`replica ${id} exited before listening:\n${out}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > end) throw new Error(`replica ${id} did not listen in 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { id, url, port, dataDir, child, output: () => out, exited, kill9: () => stopWith('SIGKILL'), stop: () => stopWith('SIGTERM') };
}

export async function removeReplica(r: Replica): Promise<void> {
  await r.stop();
  await fs.rm(r.dataDir, { recursive: true, force: true });
}

export async function deployTo(r: { url: string }, name: string, bytes: Uint8Array, query = ''): Promise<Response> {
  return fetch(`${r.url}/api/functions/${name}${query ? `?${query}` : ''}`, {
    method: 'PUT', headers: { ...AUTH, 'content-type': 'application/wasm' }, body: bytes as Uint8Array<ArrayBuffer>,
  });
}

/** The version a replica serves `name` at now, or null when it serves no such function. */
export async function liveVersion(r: { url: string }, name: string): Promise<string | null> {
  const res = await fetch(`${r.url}/api/functions/${name}`, { headers: AUTH });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET /api/functions/${name} on ${r.url}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { version: string }).version;
}

export async function apiJson<T>(r: { url: string }, path: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${r.url}${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}
