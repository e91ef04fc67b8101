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

export interface SpawnOptions {
  /**
   * Caps the size of any file the host writes (`ulimit -f`, in the shell's blocks: 512 bytes in dash, 1024 in
   * bash): a write past it fails with EFBIG, as one on a full disk fails with ENOSPC, without root or a small disk.
   */
  fileSizeLimitBlocks?: number;
  /** Arguments for node itself, e.g. a heap limit so that a host about to run out of memory dies quickly. */
  nodeArgs?: string[];
}

export async function spawnHost(dataDir: string, env: Record<string, string> = {}, args: string[] = [], opts: SpawnOptions = {}): Promise<HostProcess> {
  const argv = [...(opts.nodeArgs ?? []), CLI, 'serve', '--port', '0', '--data', dataDir, ...args];
  const [file, fileArgs] = opts.fileSizeLimitBlocks === undefined
    ? [process.execPath, argv]
    : ['/bin/sh', ['-c', `ulimit -f ${opts.fileSizeLimitBlocks} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(file, fileArgs, {
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

/** SIGTERM and its exit code; a host still running 30 s later is killed and fails the test instead of hanging it. */
export async function stopHost(p: HostProcess): Promise<number | null> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      p.child.kill('SIGKILL');
      reject(new Error(`host did not exit in 30 s after SIGTERM:\n${p.output()}`));
    }, 30_000);
  });
  try {
    return await Promise.race([p.exited, cap]);
  } finally {
    clearTimeout(timer);
  }
}
