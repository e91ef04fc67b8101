// Where the registry keeps versions and live pointers. Two implementations: the data dir (function-store.ts, the
// embedded default) and NATS JetStream (cluster/jetstream-store.ts), which keeps the data dir as its local cache.

import type { DeployConfig } from './deploy-config.js';
import type { LivePointer, StoredVersion, VersionMeta } from './function-store.js';

export interface RegistryBackend {
  /** The replica's own data dir (the examples keep their record there; a cluster backend caches in it). */
  readonly dataDir: string;
  init(): Promise<void>;
  /** Throws (WasmfnError `unavailable`) when changes cannot be stored now; reads may still be served. */
  assertWritable?(): void;
  /** Names with a live pointer (or, embedded, anything stored). */
  names(): Promise<string[]>;
  /** The live pointer as this replica knows it; `revision` set by backends that compare-and-set. */
  live(name: string): Promise<LivePointer | null>;
  has(name: string): Promise<boolean>;
  hasLivePointer(name: string): Promise<boolean>;
  /** Drops what is stored under a name that has no live pointer; true when nothing is left. */
  removeIfNeverLive(name: string): Promise<boolean>;
  hasVersion(name: string, version: string): Promise<boolean>;
  readVersion(name: string, version: string): Promise<StoredVersion>;
  readModule(name: string, version: string): Promise<Uint8Array>;
  replacePrepared(name: string, version: string, prepared: Uint8Array): Promise<void>;
  readMeta(name: string, version: string): Promise<VersionMeta>;
  listVersions(name: string): Promise<string[]>;
  /** Stores a version whole; it is not live until setLive points at it. */
  writeVersion(meta: VersionMeta, config: DeployConfig, module: Uint8Array, prepared: Uint8Array, filesArchive?: Uint8Array | null): Promise<void>;
  /**
   * Moves the live pointer. `expected` is the pointer the change was computed from (as live() gave it): a backend
   * shared between processes refuses with WasmfnError `conflict` when the pointer has moved since, and the caller
   * computes the change again.
   */
  setLive(name: string, pointer: LivePointer, expected?: LivePointer | null): Promise<void>;
  remove(name: string): Promise<void>;
  /** A shared backend calls `onChange` with each name another process changed; the registry converges on it. */
  watch?(onChange: (name: string) => void): Promise<void>;
  close?(): Promise<void>;
}
