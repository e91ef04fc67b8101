// A real host in a child process for hostile modules: one that kills its host kills only the child, and the test
// says how it died. The child's main heap is kept small so a failure is quick and bounded.

import fs from 'node:fs/promises';
import { fnBytes, tempDir } from './host.js';
import { spawnHost, stopHost, type HostProcess } from './process.js';
import type { LogEntry } from '../../host/http/observe-routes.js';

const TOKEN = 'adversarial-test-token';

export interface ChildHost {
  readonly proc: HostProcess;
  /** Deploys `bytes` as `name` (config in query form) and fails the test unless it is accepted. */
  deploy(name: string, bytes: Uint8Array, query?: string): Promise<void>;
  /** GET /fn/<path>; a host that died on the way fails the test with the end of its output. */
  call(path: string): Promise<{ status: number; text: string; code: string | null }>;
  /** The recent invocations of `name`, newest last. */
  invocations(name: string): Promise<LogEntry[]>;
  /** Fails the test unless the host is still running and answers a healthy function. */
  assertServing(): Promise<void>;
}

export async function withChildHost(env: Record<string, string>, fn: (h: ChildHost) => Promise<void>): Promise<void> {
  const dir = await tempDir('wasmfn-adversarial-');
  const proc = await spawnHost(dir, { WASMFN_TOKEN: TOKEN, NODE_OPTIONS: '--max-old-space-size=128', ...env }, ['--no-examples']);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const died = (what: string, e: unknown): Error =>
    new Error(`${what} failed (${e instanceof Error ? e.message : String(e)}); host exit ${proc.child.exitCode ?? proc.child.signalCode}:\n${proc.output().slice(-2000)}`);
  let helloDeployed = false;
  const h: ChildHost = {
    proc,
    async deploy(name, bytes, query = '') {
      const res = await fetch(`${proc.url}/api/functions/${name}${query ? `?${query}` : ''}`, {
        method: 'PUT', headers: { ...auth, 'content-type': 'application/wasm' }, body: bytes as Uint8Array<ArrayBuffer>,
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`deploy of ${name} failed: ${res.status} ${await res.text()}`);
    },
    async call(path) {
      try {
        const res = await fetch(`${proc.url}/fn/${path}`);
        const text = await res.text();
        let code: string | null = null;
        if (res.status >= 400) code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
        return { status: res.status, text, code };
      } catch (e) {
        throw died(`GET /fn/${path}`, e);
      }
    },
    async invocations(name) {
      const res = await fetch(`${proc.url}/api/functions/${name}/logs`, { headers: auth });
      return ((await res.json()) as { invocations: LogEntry[] }).invocations;
    },
    async assertServing() {
      if (!helloDeployed) await h.deploy('hello', await fnBytes('hello'));
      helloDeployed = true;
      const r = await h.call('hello?name=after');
      if (r.status !== 200 || r.text !== 'Hello, after!') throw new Error(`the healthy function answered ${r.status} ${r.text}`);
    },
  };
  try {
    await fn(h);
  } finally {
    await stopHost(proc);
    await fs.rm(dir, { recursive: true, force: true });
  }
}
