// Child process for the HTTP part: serves one target (the real host, or a constant Hono route) off the load
// generator's event loop, sends its URL over IPC and stops when told to.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type ServerTarget = 'wasmfn' | 'hono';
export type ChildMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

async function startWasmfn(): Promise<{ url: string; close(): Promise<void> }> {
  const { startHost } = await import('../server.js');
  const { readGuest } = await import('./guests.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-bench-'));
  // Host defaults otherwise (workers, limits, logging): the figure is for the host as shipped. Only `hello`
  // is deployed, the way the examples are, to save seconds of start-up on deploying the others.
  const host = await startHost({ dataDir, port: 0, host: '127.0.0.1', deployExamples: false });
  await host.registry.deploy('hello', await readGuest('hello'), { limits: {}, env: {} });
  return {
    url: host.url,
    async close() {
      await host.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function startHono(): Promise<{ url: string; close(): Promise<void> }> {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  app.get('/', (c) => c.text('Hello, world!'));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

async function main(): Promise<void> {
  const target = process.argv[2] as ServerTarget;
  const send = (m: ChildMessage): void => void process.send?.(m);
  let server: { url: string; close(): Promise<void> } | null = null;
  const stop = (): void => void (server ? server.close() : Promise.resolve()).finally(() => process.exit(0));
  // Listening first also keeps the IPC channel referenced, so the process lives through start-up.
  process.on('message', (m) => m === 'close' && stop());
  process.on('disconnect', stop);
  try {
    server = target === 'wasmfn' ? await startWasmfn() : await startHono();
    send({ type: 'ready', url: server.url });
  } catch (e) {
    const details = (e as { details?: unknown }).details;
    const message = e instanceof Error ? e.message : String(e);
    send({ type: 'error', message: Array.isArray(details) ? `${message}: ${details.join('; ')}` : message });
    process.exit(1);
  }
}

void main();
