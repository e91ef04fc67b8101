// The registry on NATS JetStream. Each version is one object in an Object Store bucket, named by function and
// version (content-addressed: the version is a hash of the module and its config); each function's live pointer
// is a key of a KV bucket. A deploy stores the object first and moves the pointer last, with a compare-and-set on
// the key's revision, so a replica killed at any moment leaves the old or the new version live, never a partial
// one. Every replica watches the KV bucket and keeps a mirror of it, which is what it serves from, and keeps the
// versions it has fetched in its data dir (the embedded store, used as a cache).

import { StorageType } from '@nats-io/jetstream';
import type { KV, KvEntry, KvWatchEntry } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import type { QueuedIterator } from '@nats-io/transport-node';
import { WasmfnError } from '../errors.js';
import { FunctionStore, type LivePointer, type StoredVersion, type VersionMeta } from '../store/function-store.js';
import type { RegistryBackend } from '../store/registry-backend.js';
import type { DeployConfig } from '../store/deploy-config.js';
import type { ClusterConnection } from './connection.js';
import { decodeBundle, encodeBundle, type VersionBundle } from './version-bundle.js';
import { openKv, openObjectStore } from './jetstream-setup.js';
import { kvKeys } from './kv-keys.js';
import { asUnavailable, isWrongLastSequence, RETRY_AFTER_S } from './nats-errors.js';

/** The KV value of a function: its pointer plus the versions stored for it (newest last). */
interface PointerValue {
  version: string;
  history: string[];
  versions: string[];
}

interface Mirrored {
  ptr: LivePointer | null;
  versions: string[];
  revision: number;
}

const MAX_HISTORY = 20;
const MAX_VERSIONS = 30;
/** Others' changes are converged on again this often, so one that failed (NATS gone mid-fetch) is retried. */
const RESYNC_MS = 2000;
/** Every this many resyncs, the mirror is read again from the bucket. */
const REREAD_EVERY = 5;

export class JetStreamStore implements RegistryBackend {
  private readonly local: FunctionStore;
  private readonly mirror = new Map<string, Mirrored>();
  private readonly fetching = new Map<string, Promise<VersionBundle | null>>();
  private kv!: KV;
  private objects!: ObjectStore;
  private watcher: QueuedIterator<KvWatchEntry> | null = null;
  private onChange: ((name: string) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private offStatus: (() => void) | null = null;

  constructor(private readonly cluster: ClusterConnection, readonly dataDir: string) {
    this.local = new FunctionStore(dataDir);
  }

  async init(): Promise<void> {
    await this.local.init();
    this.kv = await openKv(this.cluster, this.cluster.name('functions'), { history: 5, storage: StorageType.File });
    this.objects = await openObjectStore(this.cluster, this.cluster.name('modules'), { storage: StorageType.File });
    await this.refreshAll();
    await this.startWatch();
    // The watch's consumer does not outlive a restart of the server: after any reconnect the watch starts again
    // (it delivers every key's last value first) and the mirror catches up on what changed meanwhile.
    this.offStatus = this.cluster.onStatus((up) => {
      if (up) void this.startWatch().then(() => this.refreshAll()).catch(() => undefined);
    });
  }

  async watch(onChange: (name: string) => void): Promise<void> {
    this.onChange = onChange;
    let tick = 0;
    this.timer = setInterval(() => {
      for (const name of this.mirror.keys()) onChange(name);
      // Whatever became of the watch, the mirror is read whole now and then.
      if (++tick % REREAD_EVERY === 0 && this.cluster.connected()) void this.refreshAll().catch(() => undefined);
    }, RESYNC_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.offStatus?.();
    this.watcher?.stop();
  }

  assertWritable(): void {
    if (!this.cluster.connected()) {
      throw new WasmfnError('unavailable', 'the cluster registry (NATS) is not reachable: functions are served, but changes wait until it is back', { retryAfterS: RETRY_AFTER_S });
    }
  }

  async names(): Promise<string[]> {
    return [...this.mirror].filter(([, m]) => m.ptr).map(([n]) => n).sort();
  }

  async live(name: string): Promise<LivePointer | null> {
    return this.mirror.get(name)?.ptr ?? null;
  }

  /** The local directory is only a cache: what the cluster has is what the KV bucket points at. */
  async has(name: string): Promise<boolean> {
    return this.hasLivePointer(name);
  }

  async hasLivePointer(name: string): Promise<boolean> {
    return !!this.mirror.get(name)?.ptr;
  }

  async removeIfNeverLive(name: string): Promise<boolean> {
    if (await this.hasLivePointer(name)) return false;
    await this.dropLocal(name);
    return true;
  }

  async hasVersion(name: string, version: string): Promise<boolean> {
    if (await this.local.hasVersion(name, version)) return true;
    const info = await this.objects.info(objectName(name, version)).catch(asUnavailable);
    return !!info && !info.deleted;
  }

  async readVersion(name: string, version: string): Promise<StoredVersion> {
    const b = await this.fetch(name, version);
    return b ? { meta: b.meta, config: b.config, prepared: b.prepared, filesArchive: b.filesArchive } : this.local.readVersion(name, version);
  }

  async readModule(name: string, version: string): Promise<Uint8Array> {
    const b = await this.fetch(name, version);
    return b ? b.module : this.local.readModule(name, version);
  }

  async readMeta(name: string, version: string): Promise<VersionMeta> {
    const b = await this.fetch(name, version);
    return b ? b.meta : this.local.readMeta(name, version);
  }

  replacePrepared(name: string, version: string, prepared: Uint8Array): Promise<void> {
    // Only the cache: every replica prepares an old version again by itself. Its cache copy may still be on its way.
    return this.local.replacePrepared(name, version, prepared).catch(() => undefined);
  }

  async listVersions(name: string): Promise<string[]> {
    return [...new Set([...(this.mirror.get(name)?.versions ?? []), ...(await this.local.listVersions(name))])];
  }

  async writeVersion(meta: VersionMeta, config: DeployConfig, module: Uint8Array, prepared: Uint8Array, filesArchive: Uint8Array | null = null): Promise<void> {
    this.assertWritable();
    const key = objectName(meta.name, meta.version);
    const info = await this.objects.info(key).catch(asUnavailable);
    if (!info || info.deleted) {
      await this.objects.putBlob({ name: key }, encodeBundle({ meta, config, module, prepared, filesArchive })).catch(asUnavailable);
    }
    await this.local.writeVersion(meta, config, module, prepared, filesArchive);
  }

  async setLive(name: string, pointer: LivePointer, expected?: LivePointer | null): Promise<void> {
    this.assertWritable();
    const known = this.mirror.get(name);
    const versions = [...(known?.versions ?? []).filter((v) => v !== pointer.version), pointer.version].slice(-MAX_VERSIONS);
    const value: PointerValue = { version: pointer.version, history: pointer.history.slice(-MAX_HISTORY), versions };
    const data = JSON.stringify(value);
    let revision: number;
    try {
      revision = expected?.revision ? await this.kv.update(name, data, expected.revision) : await this.kv.create(name, data);
    } catch (e) {
      if (!isWrongLastSequence(e)) return asUnavailable(e);
      await this.refresh(name);
      throw new WasmfnError('conflict', `function "${name}" was changed by another replica meanwhile`);
    }
    this.apply(name, value, revision);
  }

  async remove(name: string): Promise<void> {
    this.assertWritable();
    await this.kv.delete(name).catch(asUnavailable);
    // Objects stay: a deploy of the same bytes elsewhere may be pointing at one this very moment.
    await this.refresh(name);
    await this.dropLocal(name);
  }

  /**
   * A version not in the local cache, read from the Object Store. It is served at once and written to the cache
   * meanwhile (the cache's synced writes are not worth waiting for: the object is the copy that counts).
   * Concurrent reads of one version (converging, listing versions) share one fetch.
   */
  private fetch(name: string, version: string): Promise<VersionBundle | null> {
    const key = objectName(name, version);
    let p = this.fetching.get(key);
    if (!p) {
      p = this.fetchOnce(name, version);
      this.fetching.set(key, p);
      void p.then((b) => (b ? this.local.writeVersion(b.meta, b.config, b.module, b.prepared, b.filesArchive) : undefined))
        .catch(() => undefined)
        .finally(() => this.fetching.delete(key));
    }
    return p;
  }

  private async fetchOnce(name: string, version: string): Promise<VersionBundle | null> {
    if (await this.local.hasVersion(name, version)) return null;
    const key = objectName(name, version);
    const bytes = await this.objects.getBlob(key).catch(asUnavailable);
    if (!bytes) throw new WasmfnError('version_not_found', `function "${name}" has no stored version "${version}"`);
    return decodeBundle(bytes, key);
  }

  private async dropLocal(name: string): Promise<void> {
    // Another drop of the same name may move it first.
    if (await this.local.has(name)) await this.local.remove(name).catch(() => undefined);
  }

  private async startWatch(): Promise<void> {
    this.watcher?.stop();
    const it = await this.kv.watch();
    this.watcher = it;
    void (async () => {
      for await (const e of it) this.applyEntry(e);
    })().catch(() => undefined);
  }

  /** Every key (deleted ones too: refresh reads each), and every name the mirror has live. */
  private async refreshAll(): Promise<void> {
    const names = new Set(await this.names());
    for (const k of await kvKeys(this.cluster, this.cluster.name('functions'))) names.add(k);
    await Promise.all([...names].map((n) => this.refresh(n)));
  }

  private async refresh(name: string): Promise<void> {
    const e = await this.kv.get(name).catch(asUnavailable);
    if (e) this.applyEntry(e);
  }

  private applyEntry(e: KvEntry): void {
    const value = e.operation === 'PUT' ? parsePointer(e) : null;
    this.apply(e.key, value, e.revision);
  }

  /** Takes a pointer into the mirror unless the mirror already holds a later one. */
  private apply(name: string, value: PointerValue | null, revision: number): void {
    const known = this.mirror.get(name);
    if (known && known.revision >= revision) return;
    const ptr = value ? { version: value.version, history: value.history, revision } : null;
    this.mirror.set(name, { ptr, versions: value?.versions ?? [], revision });
    if (ptr) void this.local.setLive(name, ptr).catch(() => undefined);
    else void this.dropLocal(name);
    this.onChange?.(name);
  }
}

function objectName(name: string, version: string): string {
  return `${name}/${version}`;
}

function parsePointer(e: KvEntry): PointerValue | null {
  try {
    const v = e.json<PointerValue>();
    return typeof v.version === 'string' && Array.isArray(v.history) ? { ...v, versions: Array.isArray(v.versions) ? v.versions : [v.version] } : null;
  } catch {
    return null;
  }
}
