// Child process for the HTTP part: runs one server (the real host, a constant Hono route, the sandbox alone, or
// workerd) off the load generator's event loop, sends its URL over IPC and stops when told to.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Unavailable } from './unavailable.js';

export type ServerName = 'wasmfn' | 'hono' | 'sandbox' | 'workerd';
/**
 * `pid` is the process that serves (this one, or the workerd it started), where CPU time is read. `unavailable`
 * means the server cannot run on this machine: its targets are skipped, and the run is not failed.
 */
export type ChildMessage =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'error'; message: string }
  | { type: 'unavailable'; message: string };

interface Running { url: string; pid: number; close(): Promise<void> }

async function startWasmfn(): Promise<Running> {
  const { startHost } = await import('../server.js');
  const { readGuest } = await import('./guests.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-bench-'));
  // Host defaults otherwise (workers, limits, logging): the figure is for the host as shipped. Only the measured
  // functions are deployed, to save seconds of start-up on deploying the examples.
  const host = await startHost({ dataDir, port: 0, host: '127.0.0.1', deployExamples: false });
  await host.registry.deploy('hello', await readGuest('hello'), { limits: {}, env: {} });
  await host.registry.deploy('bench-greet', await readGuest('bench-greet'), { limits: {}, env: {}, abi: 'loader' });
  await host.registry.deploy('fib', await readGuest('fib'), { limits: {}, env: {} });
  return {
    url: host.url,
    pid: process.pid,
    async close() {
      await host.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function startHono(): Promise<Running> {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  app.get('/', (c) => c.text('Hello, world!'));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        pid: process.pid,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

async function startSandbox(): Promise<Running> {
  const { startSandboxServer } = await import('./sandbox-server.js');
  return { ...(await startSandboxServer()), pid: process.pid };
}

async function startWorkerd(): Promise<Running> {
  const { startWorkerd: start } = await import('./workerd-server.js');
  return start();
}

const STARTERS: Record<ServerName, () => Promise<Running>> = { wasmfn: startWasmfn, hono: startHono, sandbox: startSandbox, workerd: startWorkerd };

async function main(): Promise<void> {
  const name = process.argv[2] as ServerName;
  // Resolves once the message is written: an exit right after a plain send may drop it.
  const send = (m: ChildMessage): Promise<void> => new Promise((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));
  let server: Running | null = null;
  const stop = (): void => void (server ? server.close() : Promise.resolve()).finally(() => process.exit(0));
  // Listening first also keeps the IPC channel referenced, so the process lives through start-up.
  process.on('message', (m) => m === 'close' && stop());
  process.on('disconnect', stop);
  // Asked to end by signal, a server with a process of its own (workerd) still stops it.
  process.on('SIGTERM', stop);
  try {
    server = await STARTERS[name]();
    await send({ type: 'ready', url: server.url, pid: server.pid });
  } catch (e) {
    const details = (e as { details?: unknown }).details;
    const message = e instanceof Error ? e.message : String(e);
    const text = Array.isArray(details) ? `${message}: ${details.join('; ')}` : message;
    await send(e instanceof Unavailable ? { type: 'unavailable', message: text } : { type: 'error', message: text });
    process.exit(1);
  }
}

void main();
