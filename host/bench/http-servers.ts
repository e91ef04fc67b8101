// The HTTP part's server processes: each started as http-server-child.js, ready once it sends its URL, stopped
// over IPC (and by signal if it does not go).

import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, ServerName } from './http-server-child.js';
import { Unavailable } from './unavailable.js';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface Server {
  name: ServerName;
  url: string;
  /** The process that serves, where its CPU time is read (not always the child: workerd runs under it). */
  pid: number;
  child: ChildProcess;
}

/**
 * Rejects with Unavailable when the server cannot run on this machine, with an Error when it failed to start.
 * `env` is added to this process's environment for the child (the host reads its options from there).
 */
export function startServer(name: ServerName, env: Record<string, string> = {}): Promise<Server> {
  const child = fork(new URL('./http-server-child.js', import.meta.url), [name], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${name} server did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('message', (m: ChildMessage) => {
      clearTimeout(timer);
      if (m.type === 'ready') resolve({ name, url: m.url, pid: m.pid, child });
      else if (m.type === 'unavailable') reject(new Unavailable(m.message));
      else reject(new Error(`${name} server: ${m.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} server exited with ${code} before it was ready`));
    });
  });
}

export async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.send('close');
  const timer = setTimeout(() => s.child.kill(), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
