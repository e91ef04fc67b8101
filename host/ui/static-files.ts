// The dashboard's built files (written by bundle.ts next to this module, under static/), read once and kept in
// memory: three small files, served many times.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

export interface StaticFile {
  body: Uint8Array;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The built files by name, or null when the dashboard was not built (`npm run build:ui`). */
export function loadStaticFiles(dir = STATIC_DIR): Map<string, StaticFile> | null {
  if (!fs.existsSync(path.join(dir, 'index.html'))) return null;
  const files = new Map<string, StaticFile>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = new Uint8Array(fs.readFileSync(path.join(dir, name)));
    const stat = fs.statSync(path.join(dir, name));
    files.set(name, { body, type, etag: `"${body.length.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"` });
  }
  return files;
}
