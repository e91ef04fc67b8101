// Per-function usage kept as time buckets in memory and persisted to <dataDir>/usage/<name>.json, so it survives restarts.

import fs from 'node:fs/promises';
import path from 'node:path';
import { isTempName, mkdirPrivate, writeFileAtomic } from '../store/atomic-fs.js';
import { NAME_RE } from '../store/deploy-config.js';
import type { InvocationRecord } from '../invocation/record.js';
import { MINUTE_MS, addRecord, compact, emptyBucket, summarize, type UsageBucket, type UsageSummary } from './usage-buckets.js';

const FILE_VERSION = 1;

interface UsageFile {
  version: number;
  function: string;
  buckets: UsageBucket[];
}

interface FunctionUsage {
  buckets: UsageBucket[];
  dirty: boolean;
}

export interface UsageStoreOptions {
  /** How often changed usage is written to disk, default 10 s; also written on close. */
  flushIntervalMs?: number;
  onError?: (e: unknown, name: string) => void;
}

export class UsageStore {
  private readonly byName = new Map<string, FunctionUsage>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly dir: string, private readonly opts: UsageStoreOptions) {}

  static async open(dataDir: string, opts: UsageStoreOptions = {}): Promise<UsageStore> {
    const store = new UsageStore(path.join(dataDir, 'usage'), opts);
    await mkdirPrivate(store.dir);
    await store.load();
    const every = opts.flushIntervalMs ?? 10_000;
    if (every > 0) {
      store.timer = setInterval(() => void store.flush(), every);
      store.timer.unref();
    }
    return store;
  }

  /** Hot path: a map lookup and a handful of additions. */
  add(r: InvocationRecord, nowMs = Date.now()): void {
    let u = this.byName.get(r.function);
    if (!u) {
      u = { buckets: [], dirty: false };
      this.byName.set(r.function, u);
    }
    const minute = nowMs - (nowMs % MINUTE_MS);
    let b = u.buckets[u.buckets.length - 1];
    // A clock stepping back lands in the latest bucket rather than reordering the list.
    if (!b || b.t + b.spanMs <= minute) {
      b = emptyBucket(minute, MINUTE_MS);
      u.buckets.push(b);
    }
    addRecord(b, r);
    u.dirty = true;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The function's buckets as they are now (a copy), for sharing with other replicas. */
  buckets(name: string): UsageBucket[] {
    return structuredClone(this.byName.get(name)?.buckets ?? []);
  }

  summary(name: string, sinceMs: number | null, nowMs = Date.now()): UsageSummary {
    return summarize(this.byName.get(name)?.buckets ?? [], sinceMs, nowMs);
  }

  /** Writes every changed function's buckets; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeDirty());
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async writeDirty(): Promise<void> {
    const now = Date.now();
    for (const [name, u] of this.byName) {
      if (!u.dirty) continue;
      // Compact and serialise synchronously, so no record lands between the snapshot and `dirty = false`.
      u.buckets = compact(u.buckets, now);
      const text = JSON.stringify({ version: FILE_VERSION, function: name, buckets: u.buckets } satisfies UsageFile);
      u.dirty = false;
      try {
        await writeFileAtomic(path.join(this.dir, `${name}.json`), text);
      } catch (e) {
        u.dirty = true;
        this.opts.onError?.(e, name);
      }
    }
  }

  private async load(): Promise<void> {
    const now = Date.now();
    for (const file of await fs.readdir(this.dir)) {
      // Left behind by a write that a crash interrupted; the real file is intact.
      if (isTempName(file)) {
        await fs.rm(path.join(this.dir, file), { force: true });
        continue;
      }
      const name = file.endsWith('.json') ? file.slice(0, -5) : '';
      if (!NAME_RE.test(name)) continue;
      const full = path.join(this.dir, file);
      try {
        const parsed = JSON.parse(await fs.readFile(full, 'utf8')) as UsageFile;
        if (parsed.version !== FILE_VERSION || !Array.isArray(parsed.buckets)) throw new Error(`unknown usage file format in ${file}`);
        this.byName.set(name, { buckets: compact(parsed.buckets.filter(isBucket).sort((a, b) => a.t - b.t), now), dirty: false });
      } catch (e) {
        // Keep the unreadable file for inspection instead of overwriting it with an empty history.
        this.opts.onError?.(e, name);
        await fs.rename(full, `${full}.corrupt-${now}`).catch(() => undefined);
      }
    }
  }
}

function isBucket(b: unknown): b is UsageBucket {
  const x = b as UsageBucket;
  return typeof x === 'object' && x !== null && Number.isFinite(x.t) && Number.isFinite(x.spanMs) && Number.isFinite(x.invocations)
    && typeof x.outcomes === 'object' && x.outcomes !== null && typeof x.wallHist === 'object' && x.wallHist !== null;
}
