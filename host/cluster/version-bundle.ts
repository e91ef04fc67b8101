// One stored version as one object: a length-prefixed JSON header (metadata, config, part sizes) and then the
// uploaded and the prepared module and the static files archive if any, so a replica fetches a version in one read and can check it is whole.

import type { DeployConfig } from '../store/deploy-config.js';
import type { VersionMeta } from '../store/function-store.js';
import { WasmfnError } from '../errors.js';

export interface VersionBundle {
  meta: VersionMeta;
  config: DeployConfig;
  module: Uint8Array;
  prepared: Uint8Array;
  filesArchive: Uint8Array | null;
}

const FORMAT = 1;

export function encodeBundle(b: VersionBundle): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({
    format: FORMAT, meta: b.meta, config: b.config, moduleBytes: b.module.byteLength, preparedBytes: b.prepared.byteLength,
    ...(b.filesArchive ? { filesBytes: b.filesArchive.byteLength } : {}),
  }));
  const filesBytes = b.filesArchive?.byteLength ?? 0;
  const out = new Uint8Array(4 + header.byteLength + b.module.byteLength + b.prepared.byteLength + filesBytes);
  new DataView(out.buffer).setUint32(0, header.byteLength);
  out.set(header, 4);
  out.set(b.module, 4 + header.byteLength);
  out.set(b.prepared, 4 + header.byteLength + b.module.byteLength);
  if (b.filesArchive) out.set(b.filesArchive, 4 + header.byteLength + b.module.byteLength + b.prepared.byteLength);
  return out;
}

export function decodeBundle(bytes: Uint8Array, what: string): VersionBundle {
  const bad = (why: string) => new WasmfnError('internal', `stored object ${what} is unreadable: ${why}`);
  if (bytes.byteLength < 4) throw bad('too short');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + len > bytes.byteLength) throw bad('header past the end');
  let h: { format: number; meta: VersionMeta; config: DeployConfig; moduleBytes: number; preparedBytes: number; filesBytes?: number };
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as typeof h;
  } catch {
    throw bad('header is not JSON');
  }
  if (h.format !== FORMAT) throw bad(`unknown format ${String(h.format)}`);
  const start = 4 + len;
  const filesBytes = h.filesBytes ?? 0;
  if (start + h.moduleBytes + h.preparedBytes + filesBytes !== bytes.byteLength) throw bad('sizes do not add up');
  const preparedEnd = start + h.moduleBytes + h.preparedBytes;
  return {
    meta: h.meta,
    config: h.config,
    module: bytes.slice(start, start + h.moduleBytes),
    prepared: bytes.slice(start + h.moduleBytes, preparedEnd),
    filesArchive: h.filesBytes === undefined ? null : bytes.slice(preparedEnd),
  };
}
