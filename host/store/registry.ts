// The live functions in memory (compiled once per version) and the operations that change them: deploy,
// rollback, delete. Each name's changes run one after another; disk is written before memory is switched.

import { WasmfnError } from '../errors.js';
import type { HostOptions, FunctionLimits } from '../config.js';
import type { AbiName } from '../abi/types.js';
import { FunctionStore, type VersionMeta } from './function-store.js';
import { canonicalConfig, checkName, type DeployConfig } from './deploy-config.js';
import { prepareInWorker } from '../wasm/prepare-worker.js';
import { boundNames } from '../wasm/name-section.js';
import { needsPreparingAgain } from '../wasm/prepared-check.js';
import crypto from 'node:crypto';
import { inlineEligibility } from '../abi/inline-eligibility.js';
import { readLayout } from '../wasm/layout.js';

export interface LiveFunction {
  name: string;
  version: string;
  /** name@version: the key workers cache compiled modules under. */
  key: string;
  abi: AbiName;
  module: WebAssembly.Module;
  memory: { initialPages: number; maximumPages: number } | null;
  fuelInstrumented: boolean;
  limits: FunctionLimits;
  env: Record<string, string>;
  meta: VersionMeta;
}

export interface DeployResult {
  created: boolean;
  meta: VersionMeta;
}

export type RegistryEvent = { type: 'deploy' | 'rollback' | 'delete'; name: string; version?: string };

export class Registry {
  private readonly live = new Map<string, LiveFunction>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly listeners: ((e: RegistryEvent) => void)[] = [];

  constructor(private readonly store: FunctionStore, private readonly opts: HostOptions) {}

  /** Loads every function's live version from disk; a broken one is reported and skipped, not fatal. */
  async load(onError: (name: string, e: unknown) => void = () => {}): Promise<void> {
    await this.store.init();
    for (const name of await this.store.names()) {
      try {
        const ptr = await this.store.live(name);
        if (!ptr) continue;
        this.live.set(name, await this.materialize(name, ptr.version));
      } catch (e) {
        onError(name, e);
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

  resolveLimits(config: DeployConfig): FunctionLimits {
    return { ...this.opts.defaults, ...config.limits };
  }

  deploy(name: string, module: Uint8Array, config: DeployConfig): Promise<DeployResult> {
    checkName(name);
    return this.serialized(name, () => this.leavingNoEmptyName(name, async () => {
      const version = FunctionStore.versionId(module, canonicalConfig(config));
      const current = this.live.get(name);
      if (current?.version === version) return { created: false, meta: current.meta };
      const ptr = await this.store.live(name);
      if (await this.store.hasVersion(name, version)) {
        // Known bytes and config from an earlier deploy: make that version live again, compiled before live.json
        // points at it (as in rollback), so a stored copy that no longer loads leaves disk and memory as they were.
        const fn = await this.materialize(name, version);
        await this.store.setLive(name, { version, history: pushHistory(ptr, version) });
        this.swap(fn, 'deploy');
        return { created: false, meta: fn.meta };
      }
      const limits = this.resolveLimits(config);
      const prepared = await this.prepare(module, limits, config.abi);
      const t0 = performance.now();
      const compiled = await compile(prepared.bytes);
      const compileMs = round3(performance.now() - t0);
      const meta: VersionMeta = {
        name,
        version,
        sha256: crypto.createHash('sha256').update(module).digest('hex'),
        size: module.byteLength,
        abi: prepared.abi,
        exports: prepared.exports,
        imports: prepared.imports,
        limits,
        env: Object.keys(config.env).sort(),
        createdAt: new Date().toISOString(),
        compileMs,
        memory: prepared.memory,
        fuelInstrumented: prepared.fuelInstrumented,
        ...eligibility(prepared.abi, prepared.imports, prepared.bytes),
      };
      await this.store.writeVersion(meta, config, module, prepared.bytes);
      await this.store.setLive(name, { version, history: pushHistory(ptr, version) });
      this.swap(toLive(meta, config, compiled), 'deploy');
      return { created: true, meta };
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
    return this.serialized(name, async () => {
      const current = this.require(name);
      const ptr = await this.store.live(name);
      const history = ptr?.history ?? [];
      let version = target;
      if (version === undefined) {
        version = history[history.length - 1];
        if (!version) throw new WasmfnError('bad_request', `function "${name}" has no earlier version to roll back to`);
      } else if (!(await this.store.hasVersion(name, version))) {
        throw new WasmfnError('version_not_found', `function "${name}" has no version "${version}"`);
      }
      if (version === current.version) return current.meta;
      // A plain rollback walks back down the stack; rolling to a named version keeps the current one on it.
      const nextHistory = target === undefined ? history.slice(0, -1) : [...history.filter((v) => v !== version), current.version];
      const fn = await this.materialize(name, version);
      await this.store.setLive(name, { version, history: nextHistory });
      this.swap(fn, 'rollback');
      return fn.meta;
    });
  }

  remove(name: string): Promise<void> {
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

  private async materialize(name: string, version: string): Promise<LiveFunction> {
    const stored = await this.store.readVersion(name, version);
    // The metadata names the function and version it is served as; a directory copied or pointed at from
    // elsewhere would otherwise run under this name while claiming to be another.
    if (stored.meta.name !== name || stored.meta.version !== version) {
      throw new WasmfnError('internal', `stored version ${name}@${version} holds the metadata of ${String(stored.meta.name)}@${String(stored.meta.version)}`);
    }
    let prepared = stored.prepared;
    if (needsPreparingAgain(prepared, this.opts.maxTableElements)) {
      // Prepared under older rules (a table without a maximum, say): prepared again from the upload, or refused.
      prepared = (await this.prepare(await this.store.readModule(name, version), stored.meta.limits, stored.config.abi)).bytes;
      await this.store.replacePrepared(name, version, prepared);
    }
    // Versions stored before eligibility was recorded get it here.
    const meta = stored.meta.inline === undefined ? { ...stored.meta, ...eligibility(stored.meta.abi, stored.meta.imports, prepared) } : stored.meta;
    return toLive(meta, stored.config, await compile(prepared));
  }

  private prepare(module: Uint8Array, limits: FunctionLimits, abi: AbiName | undefined) {
    return prepareInWorker(module, {
      memoryMb: limits.memoryMb,
      fuel: true,
      maxTableElements: this.opts.maxTableElements,
      ...(abi ? { abi } : {}),
    }, this.opts.prepareTimeMs);
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

function pushHistory(ptr: { version: string; history: string[] } | null, next: string): string[] {
  if (!ptr) return [];
  return [...ptr.history.filter((v) => v !== next && v !== ptr.version), ptr.version].filter((v) => v !== next);
}

/** The metadata fields of inline eligibility, from the imports and the (prepared) module's tables. */
function eligibility(abi: VersionMeta['abi'], imports: VersionMeta['imports'], bytes: Uint8Array): { inline: boolean; inlineReason: string } {
  let tableElements = 0;
  // A table without a maximum can grow as far as V8 lets it.
  for (const t of readLayout(bytes).tables) tableElements += t.limits.maximum ?? Infinity;
  const e = inlineEligibility(abi, imports, tableElements);
  return { inline: e.inline, inlineReason: e.reason };
}

function toLive(meta: VersionMeta, config: DeployConfig, module: WebAssembly.Module): LiveFunction {
  return {
    name: meta.name,
    version: meta.version,
    key: `${meta.name}@${meta.version}`,
    abi: meta.abi,
    module,
    memory: meta.memory,
    fuelInstrumented: meta.fuelInstrumented,
    limits: meta.limits,
    env: config.env,
    meta,
  };
}

/** Names are bounded here rather than at deploy so that versions stored before the bound get it too. */
async function compile(bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(boundNames(bytes) as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new WasmfnError('invalid_module', 'module failed to compile', { details: [(e as Error).message] });
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
