// Runs the real `wasmfn serve` in a child process and finds its URL from its JSON log.

import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './host.js';

export interface HostProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** `nodeArgs` go to node itself, e.g. a heap limit so that a host about to run out of memory dies quickly. */
export async function spawnHost(dataDir: string, env: Record<string, string> = {}, args: string[] = [], nodeArgs: string[] = []): Promise<HostProcess> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', '0', '--data', dataDir, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', WASMFN_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before listening:\n${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}

export async function stopHost(p: HostProcess): Promise<number | null> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  return p.exited;
}
