// From bytes to a version that can run: an upload prepared (in the prepare worker the host passes in), compiled,
// described by its metadata and written to disk; a stored version read back and compiled, prepared again from its
// upload first when it was prepared under older rules.

import crypto from 'node:crypto';
import { WasmfnError } from '../errors.js';
import type { HostOptions, FunctionLimits } from '../config.js';
import type { AbiName } from '../abi/types.js';
import type { PreparedModule, PrepareOptions } from '../wasm/prepare.js';
import { needsPreparingAgain } from '../wasm/prepared-check.js';
import { CALLED_EXPORTS } from '../abi/detect.js';
import type { VersionMeta } from './function-store.js';
import type { RegistryBackend } from './registry-backend.js';
import type { DeployConfig } from './deploy-config.js';
import { toLive, type LiveFunction } from './live-function.js';
import { inlineEligibility } from '../abi/inline-eligibility.js';
import { readLayout } from '../wasm/layout.js';
import { readStaticFiles } from './static-files.js';
import { capabilityMeta } from './capability-config.js';
import type { SecretBox } from '../secrets/secret-box.js';

/** prepareModule under a time limit, off the event loop (wasm/prepare-worker.ts). */
export type Prepare = (module: Uint8Array, opts: PrepareOptions, timeLimitMs: number) => Promise<PreparedModule>;

export class DeployPipeline {
  constructor(private readonly store: RegistryBackend, private readonly opts: HostOptions, private readonly prepare: Prepare, private readonly secrets: SecretBox | null = null) {}

  /** A new version from an upload, written to disk (not made live: that is the caller's). */
  async create(name: string, version: string, module: Uint8Array, config: DeployConfig, filesArchive: Uint8Array | null = null): Promise<LiveFunction> {
    const limits: FunctionLimits = { ...this.opts.defaults, ...config.limits };
    const files = filesArchive ? await readStaticFiles(filesArchive, this.opts.maxModuleBytes) : null;
    const prepared = await this.prepareUnder(module, limits, config.abi);
    if (files && prepared.abi !== 'wagi') throw new WasmfnError('bad_request', 'files are served to WASI (wagi) functions only');
    const t0 = performance.now();
    const compiled = await compile(prepared.bytes);
    const compileMs = round3(performance.now() - t0);
    const meta: VersionMeta = {
      name,
      version,
      sha256: crypto.createHash('sha256').update(module).digest('hex'),
      size: module.byteLength + (filesArchive?.byteLength ?? 0),
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
      ...(files ? { files: { count: files.length, bytes: files.reduce((n, f) => n + f.data.length, 0) } } : {}),
      capabilities: capabilityMeta(config),
    };
    await this.store.writeVersion(meta, config, module, prepared.bytes, filesArchive);
    return toLive(meta, config, compiled, this.secrets, files);
  }

  /** A stored version, compiled to run. */
  async load(name: string, version: string): Promise<LiveFunction> {
    const stored = await this.store.readVersion(name, version);
    // The metadata names the function and version it is served as; a directory copied or pointed at from
    // elsewhere would otherwise run under this name while claiming to be another.
    if (stored.meta.name !== name || stored.meta.version !== version) {
      throw new WasmfnError('internal', `stored version ${name}@${version} holds the metadata of ${String(stored.meta.name)}@${String(stored.meta.version)}`);
    }
    let prepared = stored.prepared;
    const calls = CALLED_EXPORTS[stored.meta.abi].filter((n) => stored.meta.exports.includes(n));
    if (needsPreparingAgain(prepared, this.opts.maxTableElements, calls)) {
      // Prepared under older rules (a table without a maximum, a name of megabytes, the fuel counter imported, an
      // export now called dropped): prepared again from the upload, or refused. Under the ABI the version runs
      // with, since the exports the deploy keeps depend on it.
      prepared = (await this.prepareUnder(await this.store.readModule(name, version), stored.meta.limits, stored.meta.abi)).bytes;
      await this.store.replacePrepared(name, version, prepared);
    }
    // Versions stored before eligibility was recorded get it here.
    const meta = stored.meta.inline === undefined ? { ...stored.meta, ...eligibility(stored.meta.abi, stored.meta.imports, prepared) } : stored.meta;
    const files = stored.filesArchive ? await readStaticFiles(stored.filesArchive, Number.MAX_SAFE_INTEGER) : null;
    return toLive(meta, stored.config, await compile(prepared), this.secrets, files);
  }

  private prepareUnder(module: Uint8Array, limits: FunctionLimits, abi: AbiName | undefined): Promise<PreparedModule> {
    return this.prepare(module, {
      memoryMb: limits.memoryMb,
      fuel: true,
      maxTableElements: this.opts.maxTableElements,
      ...(abi ? { abi } : {}),
    }, this.opts.prepareTimeMs);
  }
}

async function compile(bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new WasmfnError('invalid_module', 'module failed to compile', { details: [(e as Error).message] });
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The metadata fields of inline eligibility, from the imports and the (prepared) module's tables. */
function eligibility(abi: VersionMeta['abi'], imports: VersionMeta['imports'], bytes: Uint8Array): { inline: boolean; inlineReason: string } {
  let tableElements = 0;
  // A table without a maximum can grow as far as V8 lets it.
  for (const t of readLayout(bytes).tables) tableElements += t.limits.maximum ?? Infinity;
  const e = inlineEligibility(abi, imports, tableElements);
  return { inline: e.inline, inlineReason: e.reason };
}
