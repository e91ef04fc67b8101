// A deploy's static files: a tar (optionally gzipped) or zip archive read into plain entries, checked so that every
// path is a relative path inside the function's root and the unpacked bytes stay under a cap.

import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { gunzipSync, unzipSync } from 'fflate';
import { WasmfnError } from '../errors.js';

export interface StaticFile {
  /** Relative, `/`-separated, without `.` or `..` components. */
  path: string;
  data: Uint8Array;
}

/** Entries one archive may hold. */
export const MAX_STATIC_FILES = 10_000;

const bad = (message: string) => new WasmfnError('bad_request', `files: ${message}`);

function cleanPath(raw: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (raw.startsWith('/') || parts.includes('..') || raw.includes('\0') || raw.includes('\\')) {
    throw bad(`"${raw.slice(0, 200)}" is not a relative path inside the archive`);
  }
  return parts.join('/');
}

/** The files of an archive (tar, tar.gz or zip, told apart by their bytes); at most `maxBytes` unpacked. */
export async function readStaticFiles(archive: Uint8Array, maxBytes: number): Promise<StaticFile[]> {
  let files: StaticFile[];
  if (archive[0] === 0x50 && archive[1] === 0x4b) files = readZip(archive, maxBytes);
  else if (archive[0] === 0x1f && archive[1] === 0x8b) {
    // gzip ends with the unpacked size (mod 2^32): a bomb is refused before it is inflated.
    const n = archive.length >= 4 ? new DataView(archive.buffer, archive.byteOffset + archive.length - 4).getUint32(0, true) : 0;
    if (n > maxBytes) throw new WasmfnError('payload_too_large', `files unpack to more than ${maxBytes} bytes`);
    let raw: Uint8Array;
    try {
      raw = gunzipSync(archive);
    } catch {
      throw bad('not a valid gzip stream');
    }
    files = await readTar(raw, maxBytes);
  } else files = await readTar(archive, maxBytes);
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw bad(`"${f.path}" appears twice`);
    seen.add(f.path);
  }
  for (const f of files) {
    // A file cannot also be a directory of another entry.
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) if (seen.has(parts.slice(0, i).join('/'))) throw bad(`"${f.path}" is under the file "${parts.slice(0, i).join('/')}"`);
  }
  return files;
}

function readZip(archive: Uint8Array, maxBytes: number): StaticFile[] {
  let total = 0;
  let count = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(archive, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        total += f.originalSize;
        if (++count > MAX_STATIC_FILES) throw bad(`more than ${MAX_STATIC_FILES} entries`);
        if (total > maxBytes) throw new WasmfnError('payload_too_large', `files unpack to more than ${maxBytes} bytes`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof WasmfnError) throw e;
    throw bad('not a valid tar or zip archive');
  }
  return Object.entries(entries).map(([name, data]) => ({ path: cleanPath(name), data })).filter((f) => f.path !== '');
}

async function readTar(archive: Uint8Array, maxBytes: number): Promise<StaticFile[]> {
  const files: StaticFile[] = [];
  let total = 0;
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const fail = (e: Error) => {
        stream.resume();
        reject(e);
        extract.destroy();
      };
      if (header.type === 'directory') {
        stream.resume();
        next();
        return;
      }
      if (header.type !== 'file') return fail(bad(`"${header.name.slice(0, 200)}" is a ${header.type ?? 'special entry'}; only files and directories are allowed`));
      total += header.size ?? 0;
      if (files.length >= MAX_STATIC_FILES) return fail(bad(`more than ${MAX_STATIC_FILES} entries`));
      if (total > maxBytes) return fail(new WasmfnError('payload_too_large', `files unpack to more than ${maxBytes} bytes`));
      let path: string;
      try {
        path = cleanPath(header.name);
      } catch (e) {
        return fail(e as Error);
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (path !== '') files.push({ path, data: new Uint8Array(Buffer.concat(chunks)) });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', (e: Error) => reject(e instanceof WasmfnError ? e : bad('not a valid tar or zip archive')));
  });
  Readable.from([Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)]).pipe(extract);
  await done;
  return files;
}
