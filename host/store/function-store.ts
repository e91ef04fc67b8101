// The on-disk layout of deployed functions: immutable version directories and one live pointer per function.
//
//   <data>/functions/<name>/versions/<version>/{module.wasm, prepared.wasm, meta.json, config.json[, files.archive]}
//   <data>/functions/<name>/live.json   {"version": ..., "history": [older live versions, newest last]}
//
// A deploy writes its version directory whole (temp dir + rename) and only then replaces live.json (temp file +
// fsync + rename), so a crash at any moment leaves either the old or the new version live, never a partial one.
// A name without live.json never went live (its first deploy failed or was cut short): it is not a function, and
// its directory is removed, so it neither blocks the name nor lingers where the API cannot reach it.

import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { WasmfnError } from '../errors.js';
import { exists, mkdirPrivate, readJson, removeTempEntries, writeDirAtomic, writeFileAtomic } from './atomic-fs.js';
import type { DeployConfig } from './deploy-config.js';
import type { FunctionLimits } from '../config.js';
import type { AbiName } from '../abi/types.js';
import type { RegistryBackend } from './registry-backend.js';

export interface VersionMeta {
  name: string;
  version: string;
  sha256: string;
  size: number;
  abi: AbiName;
  exports: string[];
  imports: { module: string; name: string; kind: string }[];
  limits: FunctionLimits;
  env: string[];
  createdAt: string;
  compileMs: number;
  memory: { initialPages: number; maximumPages: number } | null;
  fuelInstrumented: boolean;
  /** May a call run on the HTTP thread first (see abi/inline-eligibility.ts)? Absent in versions stored before. */
  inline?: boolean;
  inlineReason?: string;
  /** Static files shipped with the deploy (files.archive): how many, and their unpacked bytes. */
  files?: { count: number; bytes: number };
}

export interface LivePointer {
  version: string;
  history: string[];
  /** The shared backend's revision of the pointer (compare-and-set); absent in the data dir. */
  revision?: number;
}

export interface StoredVersion {
  meta: VersionMeta;
  config: DeployConfig;
  prepared: Uint8Array;
  /** The files archive as uploaded, when the version has one. */
  filesArchive: Uint8Array | null;
}

/** What versionId() makes. Anything else is refused before it can become part of a path (`../` and the like). */
export const VERSION_RE = /^[0-9a-f]{16}$/;

export function checkVersion(version: string): string {
  if (!VERSION_RE.test(version)) throw new WasmfnError('bad_request', `invalid version "${version.slice(0, 80)}": versions are 16 lowercase hex digits`);
  return version;
}

/** Cap on remembered earlier live versions per function. */
const MAX_HISTORY = 20;
/** Version directories kept per function; older ones are pruned unless live or on the history stack. */
const MAX_VERSIONS = 30;

export class FunctionStore implements RegistryBackend {
  constructor(readonly dataDir: string) {}

  private get root(): string {
    return path.join(this.dataDir, 'functions');
  }
  private fnDir(name: string): string {
    return path.join(this.root, name);
  }
  private versionDir(name: string, version: string): string {
    return path.join(this.fnDir(name), 'versions', checkVersion(version));
  }

  async init(): Promise<void> {
    await mkdirPrivate(this.root);
    // Leftovers of a deploy or delete that crashed half-way; they were never live.
    await fs.rm(path.join(this.dataDir, 'trash'), { recursive: true, force: true });
    await mkdirPrivate(path.join(this.dataDir, 'trash'));
    for (const name of await this.names()) {
      if (await this.removeIfNeverLive(name)) continue;
      await removeTempEntries(this.fnDir(name));
      await removeTempEntries(path.join(this.fnDir(name), 'versions'));
    }
  }

  /** Removes what is stored under `name` when it has no live.json; true when it did (or nothing was there). */
  async removeIfNeverLive(name: string): Promise<boolean> {
    if (!(await this.has(name))) return true;
    if (await this.hasLivePointer(name)) return false;
    await this.remove(name);
    return true;
  }

  /** Whether `name` has a live.json, readable or not. */
  async hasLivePointer(name: string): Promise<boolean> {
    return exists(path.join(this.fnDir(name), 'live.json'));
  }

  static versionId(module: Uint8Array, canonicalConfig: string): string {
    return crypto.createHash('sha256').update(module).update('\0').update(canonicalConfig).digest('hex').slice(0, 16);
  }

  async names(): Promise<string[]> {
    const entries = await fs.readdir(this.root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  }

  async live(name: string): Promise<LivePointer | null> {
    const file = path.join(this.fnDir(name), 'live.json');
    if (!(await exists(file))) return null;
    return readJson<LivePointer>(file);
  }

  /** Whether anything is stored under `name`, loadable or not. */
  async has(name: string): Promise<boolean> {
    return exists(this.fnDir(name));
  }

  async hasVersion(name: string, version: string): Promise<boolean> {
    return exists(path.join(this.versionDir(name, version), 'meta.json'));
  }

  async readVersion(name: string, version: string): Promise<StoredVersion> {
    const dir = this.versionDir(name, version);
    const [meta, config, prepared] = await Promise.all([
      readJson<VersionMeta>(path.join(dir, 'meta.json')),
      readJson<DeployConfig>(path.join(dir, 'config.json')),
      fs.readFile(path.join(dir, 'prepared.wasm')),
    ]);
    const archive = meta.files ? await fs.readFile(path.join(dir, 'files.archive')) : null;
    return {
      meta, config, prepared: new Uint8Array(prepared.buffer, prepared.byteOffset, prepared.byteLength),
      filesArchive: archive && new Uint8Array(archive.buffer, archive.byteOffset, archive.byteLength),
    };
  }

  /** The module as it was uploaded. */
  async readModule(name: string, version: string): Promise<Uint8Array> {
    const bytes = await fs.readFile(path.join(this.versionDir(name, version), 'module.wasm'));
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Replaces a version's prepared module with one prepared again from the same upload under today's rules. */
  async replacePrepared(name: string, version: string, prepared: Uint8Array): Promise<void> {
    await writeFileAtomic(path.join(this.versionDir(name, version), 'prepared.wasm'), prepared);
  }

  async readMeta(name: string, version: string): Promise<VersionMeta> {
    return readJson<VersionMeta>(path.join(this.versionDir(name, version), 'meta.json'));
  }

  async writeVersion(meta: VersionMeta, config: DeployConfig, module: Uint8Array, prepared: Uint8Array, filesArchive: Uint8Array | null = null): Promise<void> {
    const dir = this.versionDir(meta.name, meta.version);
    if (await exists(path.join(dir, 'meta.json'))) return;
    await mkdirPrivate(path.dirname(dir));
    await fs.rm(dir, { recursive: true, force: true }); // an incomplete directory can only come from a rename race; versions are immutable
    await writeDirAtomic(dir, {
      'module.wasm': module,
      'prepared.wasm': prepared,
      'config.json': JSON.stringify(config, null, 2),
      'meta.json': JSON.stringify(meta, null, 2),
      ...(filesArchive ? { 'files.archive': filesArchive } : {}),
    });
  }

  /**
   * Makes `version` live; the previous live version goes on the history stack. One process owns the data dir and
   * the registry runs each name's changes one after another, so `expected` needs no check here.
   */
  async setLive(name: string, pointer: LivePointer, _expected?: LivePointer | null): Promise<void> {
    const history = pointer.history.slice(-MAX_HISTORY);
    await writeFileAtomic(path.join(this.fnDir(name), 'live.json'), JSON.stringify({ version: pointer.version, history }, null, 2));
    await this.prune(name, [pointer.version, ...history]);
  }

  async listVersions(name: string): Promise<string[]> {
    try {
      const entries = await fs.readdir(path.join(this.fnDir(name), 'versions'));
      return entries.filter((e) => VERSION_RE.test(e));
    } catch {
      return [];
    }
  }

  /** Drops the oldest version directories past MAX_VERSIONS, never the live one or one on the history stack. */
  private async prune(name: string, keep: string[]): Promise<void> {
    const ids = await this.listVersions(name);
    if (ids.length <= MAX_VERSIONS) return;
    const metas = await Promise.all(ids.map(async (v) => ({ v, at: (await this.readMeta(name, v).catch(() => null))?.createdAt ?? '' })));
    metas.sort((a, b) => b.at.localeCompare(a.at));
    for (const { v } of metas.slice(MAX_VERSIONS)) {
      if (!keep.includes(v)) await fs.rm(this.versionDir(name, v), { recursive: true, force: true });
    }
  }

  /** Moves the function out of sight first (one rename), then deletes it at leisure. */
  async remove(name: string): Promise<void> {
    const trash = path.join(this.dataDir, 'trash', `${name}-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`);
    await fs.rename(this.fnDir(name), trash);
    await fs.rm(trash, { recursive: true, force: true });
  }
}
