// Shared by the observe-* tests: a real host on a temp data dir whose JSON log lines are captured in memory.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHost, type RunningHost } from '../host/server.js';
import { createLogger } from '../host/observe/logger.js';

export interface Harness {
  host: RunningHost;
  dataDir: string;
  /** Every log line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Deploys dist/functions/<fixture>.wasm as `name`, with optional query config (e.g. "timeoutMs=50"). */
  deploy(name: string, fixture?: string, query?: string): Promise<void>;
  deployBytes(name: string, bytes: Uint8Array): Promise<void>;
  fetch(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  /** Admin request with the bearer token. */
  admin(pathAndQuery: string, init?: RequestInit): Promise<Response>;
}

export async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-observe-'));
}

export async function startHarness(dataDir: string, opts: { logLevel?: string } = {}): Promise<Harness> {
  const raw: string[] = [];
  const logger = createLogger(opts.logLevel ?? 'debug', { destination: { write: (s: string) => void raw.push(s) } });
  const host = await startHost({ dataDir, port: 0, workers: 1, deployExamples: false, logger });
  const fetchAt = (p: string, init?: RequestInit) => fetch(new URL(p, host.url), init);
  const admin = (p: string, init: RequestInit = {}) =>
    fetchAt(p, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${host.token}` } });
  const put = async (name: string, bytes: Uint8Array, query: string) => {
    const body = bytes as Uint8Array<ArrayBuffer>;
    const res = await admin(`/api/functions/${name}${query ? `?${query}` : ''}`, { method: 'PUT', body, headers: { 'content-type': 'application/wasm' } });
    if (res.status !== 201 && res.status !== 200) throw new Error(`deploy of ${name} failed: ${res.status} ${await res.text()}`);
  };
  return {
    host,
    dataDir,
    lines: () => {
      host.observability.flushLogs();
      return raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async deploy(name, fixture = name, query = '') {
      await put(name, await fs.readFile(new URL(`../functions/${fixture}.wasm`, import.meta.url)), query);
    },
    deployBytes: (name, bytes) => put(name, bytes, ''),
    fetch: fetchAt,
    admin,
  };
}

/** Starts a host on a fresh temp dir, runs `fn`, and always stops the host and removes the dir. */
export async function withHarness(fn: (h: Harness) => Promise<void>, opts: { logLevel?: string } = {}): Promise<void> {
  const dir = await tempDir();
  let h: Harness | null = null;
  try {
    h = await startHarness(dir, opts);
    await fn(h);
  } finally {
    await h?.host.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Minimal Prometheus text-format parser: one sample per line, `name{labels} value`. */
export function parsePrometheus(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
      let consumed = 0;
      for (let lm = re.exec(m[3]); lm; lm = re.exec(m[3])) {
        labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        consumed += lm[0].length;
      }
      if (consumed !== m[3].length) throw new Error(`bad label set in: ${line}`);
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    if (Number.isNaN(value) && m[4] !== 'NaN') throw new Error(`bad sample value in: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}
