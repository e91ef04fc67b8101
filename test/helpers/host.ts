// Test helpers: a real host on loopback with a temp data dir and its log kept in memory, requests to it, and the
// built function modules.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHost, type RunningHost, type StartOptions } from '../../host/server.js';
import { captureLog, type LogLine } from './log-capture.js';

export const FUNCTIONS_DIR = fileURLToPath(new URL('../../functions/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../host/cli/main.js', import.meta.url));

export async function tempDir(prefix = 'wasmfn-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function fnBytes(name: string): Promise<Uint8Array> {
  return new Uint8Array(await fs.readFile(path.join(FUNCTIONS_DIR, `${name}.wasm`)));
}

export const silentLogger = () => captureLog('silent').logger;

export interface TestHost extends RunningHost {
  /** The host's log lines so far, buffered invocation lines included; none unless `logLevel` was given. */
  lines(): LogLine[];
}

/**
 * Starts a host on an ephemeral port, runs `fn`, and always stops the host and removes its data dir (a `dataDir`
 * given in `opts` is the caller's and stays). `logLevel` is what the host logs into `lines()`.
 */
export async function withHost<T>(opts: StartOptions, fn: (h: TestHost) => Promise<T>): Promise<T> {
  const dataDir = opts.dataDir ?? (await tempDir());
  const log = captureLog(opts.logLevel ?? 'silent');
  const host = await startHost({ port: 0, workers: 1, logger: log.logger, deployExamples: false, ...opts, dataDir });
  const lines = () => {
    host.observability.flushLogs();
    return log.lines();
  };
  try {
    return await fn({ ...host, lines });
  } finally {
    await host.close();
    if (!opts.dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  }
}

export function auth(h: { token: string }, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${h.token}`, ...extra };
}

/** Where a host answers and its admin token: a RunningHost, or a host in a child process (helpers/process.ts). */
export type HostAddress = Pick<RunningHost, 'url' | 'token'>;

/** A request with the host's bearer token, as the admin API wants; `pathAndQuery` starts with a slash. */
export async function admin(h: HostAddress, pathAndQuery: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${h.url}${pathAndQuery}`, { ...init, headers: auth(h, init.headers as Record<string, string> | undefined) });
}

/** PUT a module (raw body); `query` carries the config in its query-parameter form. */
export async function deploy(h: HostAddress, name: string, bytes: Uint8Array, query = ''): Promise<Response> {
  return admin(h, `/api/functions/${name}${query ? `?${query}` : ''}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/wasm' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

export async function deployBuilt(h: RunningHost, name: string, as = name, query = ''): Promise<Response> {
  const res = await deploy(h, as, await fnBytes(name), query);
  if (res.status !== 201 && res.status !== 200) throw new Error(`deploy of ${name} failed: ${res.status} ${await res.text()}`);
  return res;
}

export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code ?? `(no error code, status ${res.status})`;
}

/**
 * Polls until `ok()` holds (a state the host reaches on its own, read in-process or over HTTP), with a generous cap
 * rather than a fixed sleep; past the cap it fails naming `what` it waited for.
 */
export async function until(ok: () => boolean | Promise<boolean>, what: string, capMs = 10_000): Promise<void> {
  const end = Date.now() + capMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`never reached: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
