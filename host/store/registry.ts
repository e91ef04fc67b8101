// The live functions in memory (compiled once per version) and the operations that change them: deploy,
// rollback, delete. Each name's changes run one after another; the backend is written before memory is switched.
// How a version is made from an upload or read back is deploy-pipeline.ts; where it is kept, registry-backend.ts.
// A backend shared by several processes moves a pointer only if nobody else moved it meanwhile (the change is
// computed again when someone did), and reports others' changes, which this registry converges on.

import { createHash } from 'node:crypto';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import { FunctionStore, type LivePointer, type VersionMeta } from './function-store.js';
import type { RegistryBackend } from './registry-backend.js';
import { canonicalConfig, checkName, type DeployConfig } from './deploy-config.js';
import { DeployPipeline, type Prepare } from './deploy-pipeline.js';
import type { LiveFunction } from './live-function.js';

export type { LiveFunction } from './live-function.js';

export interface DeployResult {
  created: boolean;
  meta: VersionMeta;
}

export type RegistryEvent = { type: 'deploy' | 'rollback' | 'delete'; name: string; version?: string };

export class Registry {
  private readonly live = new Map<string, LiveFunction>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly listeners: ((e: RegistryEvent) => void)[] = [];
  private readonly pipeline: DeployPipeline;

  /** `prepare` runs the deploy-time rewrite; whoever passes it in owns it (and closes it). */
  constructor(private readonly store: RegistryBackend, opts: HostOptions, prepare: Prepare) {
    this.pipeline = new DeployPipeline(store, opts, prepare);
  }

  /** Loads every function's live version from disk; a broken one is reported and skipped, not fatal. */
  async load(onError: (name: string, e: unknown) => void = () => {}): Promise<void> {
    await this.store.init();
    for (const name of await this.store.names()) {
      try {
        const ptr = await this.store.live(name);
        if (!ptr) continue;
        this.live.set(name, await this.pipeline.load(name, ptr.version));
      } catch (e) {
        onError(name, e);
      }
    }
    await this.store.watch?.((name) => void this.converge(name).catch((e: unknown) => onError(name, e)));
  }

  /** Makes memory match the backend's live pointer for `name` (another process deployed, rolled back or deleted). */
  private converge(name: string): Promise<void> {
    return this.serialized(name, async () => {
      const ptr = await this.store.live(name);
      const current = this.live.get(name);
      if (!ptr) {
        if (!current) return;
        this.live.delete(name);
        this.emit({ type: 'delete', name });
        return;
      }
      if (current?.version === ptr.version) return;
      const fn = await this.pipeline.load(name, ptr.version);
      this.swap(fn, current && ptr.history.includes(current.version) ? 'deploy' : current ? 'rollback' : 'deploy');
    });
  }

  /** Sets the pointer `next` computes from the current one; computed again while others move it meanwhile. */
  private async movePointer(name: string, next: (ptr: LivePointer | null) => LivePointer | null): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const ptr = await this.store.live(name);
      const p = next(ptr);
      if (!p) return;
      try {
        await this.store.setLive(name, p, ptr);
        return;
      } catch (e) {
        if (!(e instanceof WasmfnError && e.code === 'conflict') || attempt >= MAX_POINTER_ATTEMPTS) throw e;
      }
    }
  }

  onChange(fn: (e: RegistryEvent) => void): void {
    this.listeners.push(fn);
  }

  /** The data dir the functions are stored in (the examples keep their own record there). */
  get dataDir(): string {
    return this.store.dataDir;
  }

  /** Whether a function of that name is stored, even one that failed to load. */
  async stored(name: string): Promise<boolean> {
    return this.live.has(name) || (await this.store.has(name));
  }

  get(name: string): LiveFunction | undefined {
    return this.live.get(name);
  }

  require(name: string): LiveFunction {
    const fn = this.live.get(name);
    if (!fn) throw new WasmfnError('function_not_found', `no function named "${name}"`);
    return fn;
  }

  list(): LiveFunction[] {
    return [...this.live.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async versions(name: string): Promise<{ live: string; history: string[]; versions: VersionMeta[] }> {
    const fn = this.require(name);
    const ptr = await this.store.live(name);
    const ids = await this.store.listVersions(name);
    const metas = await Promise.all(ids.map((v) => this.store.readMeta(name, v).catch(() => null)));
    const versions = metas.filter((m): m is VersionMeta => m !== null).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { live: fn.version, history: ptr?.history ?? [], versions };
  }

  /** `files`: a tar or zip archive of static files for WASI guests (static-files.ts), or null. */
  deploy(name: string, module: Uint8Array, config: DeployConfig, files: Uint8Array | null = null): Promise<DeployResult> {
    checkName(name);
    this.store.assertWritable?.();
    return this.serialized(name, () => this.leavingNoEmptyName(name, async () => {
      const filesId = files ? `\0files:${createHash('sha256').update(files).digest('hex')}` : '';
      const version = FunctionStore.versionId(module, canonicalConfig(config) + filesId);
      const current = this.live.get(name);
      if (current?.version === version) return { created: false, meta: current.meta };
      // Known bytes and config from an earlier deploy are made live again, compiled before the pointer moves (as
      // in rollback), so a stored copy that no longer loads leaves the backend and memory as they were.
      const created = !(await this.store.hasVersion(name, version));
      const fn = created ? await this.pipeline.create(name, version, module, config, files) : await this.pipeline.load(name, version);
      await this.movePointer(name, (ptr) => (ptr?.version === version ? null : { version, history: pushHistory(ptr, version) }));
      this.swap(fn, 'deploy');
      return { created, meta: fn.meta };
    }));
  }

  /** Runs a deploy; when it fails (a full disk, say) on a name that was not live, nothing half-made stays under it. */
  private async leavingNoEmptyName<T>(name: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (e) {
      if (!this.live.has(name)) await this.store.removeIfNeverLive(name).catch(() => undefined);
      throw e;
    }
  }

  rollback(name: string, target?: string): Promise<VersionMeta> {
    this.store.assertWritable?.();
    return this.serialized(name, async () => {
      const current = this.require(name);
      for (let attempt = 0; ; attempt++) {
        const ptr = await this.store.live(name);
        const history = ptr?.history ?? [];
        const liveVersion = ptr?.version ?? current.version;
        let version = target;
        if (version === undefined) {
          version = history[history.length - 1];
          if (!version) throw new WasmfnError('bad_request', `function "${name}" has no earlier version to roll back to`);
        } else if (!(await this.store.hasVersion(name, version))) {
          throw new WasmfnError('version_not_found', `function "${name}" has no version "${version}"`);
        }
        if (version === liveVersion && version === current.version) return current.meta;
        // A plain rollback walks back down the stack; rolling to a named version keeps the current one on it.
        const nextHistory = target === undefined ? history.slice(0, -1) : [...history.filter((v) => v !== version && v !== liveVersion), liveVersion];
        const fn = version === current.version ? current : await this.pipeline.load(name, version);
        if (version !== liveVersion) {
          try {
            await this.store.setLive(name, { version, history: nextHistory }, ptr);
          } catch (e) {
            if (e instanceof WasmfnError && e.code === 'conflict' && attempt < MAX_POINTER_ATTEMPTS) continue;
            throw e;
          }
        }
        this.swap(fn, 'rollback');
        return fn.meta;
      }
    });
  }

  remove(name: string): Promise<void> {
    this.store.assertWritable?.();
    return this.serialized(name, async () => {
      // One that failed to load is deleted like any other. A name that never went live is no function (not found),
      // but what a failed deploy left under it goes all the same.
      if (!this.live.has(name) && !(await this.store.hasLivePointer(name))) {
        await this.store.removeIfNeverLive(name);
        this.require(name);
      }
      await this.store.remove(name);
      this.live.delete(name);
      this.emit({ type: 'delete', name });
    });
  }

  private swap(fn: LiveFunction, type: 'deploy' | 'rollback'): void {
    this.live.set(fn.name, fn);
    this.emit({ type, name: fn.name, version: fn.version });
  }

  private emit(e: RegistryEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Runs `task` after every earlier task for the same name, whatever their outcome. */
  private serialized<T>(name: string, task: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const next = prev.then(task, task);
    const settled = next.catch(() => undefined);
    this.locks.set(name, settled);
    void settled.then(() => {
      if (this.locks.get(name) === settled) this.locks.delete(name);
    });
    return next;
  }
}

/** Tries of a pointer move that others keep moving first, before the change fails with `conflict`. */
const MAX_POINTER_ATTEMPTS = 20;

function pushHistory(ptr: { version: string; history: string[] } | null, next: string): string[] {
  if (!ptr) return [];
  return [...ptr.history.filter((v) => v !== next && v !== ptr.version), ptr.version].filter((v) => v !== next);
}
