// Streams an NDJSON input to POST /map/<name> and the NDJSON output to a writable, counting items and failures as
// they come. The input is sent while the output is read (Node's HTTP client does both at once), so neither is
// ever held whole.

import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { Transform } from 'node:stream';
import { ApiError, toApiError } from './client.js';

export interface MapCounts {
  done: number;
  failed: number;
}

/** Resolves with the counts once the output is complete; an HTTP error or a cut connection rejects. */
export async function streamMap(url: URL, input: Readable, output: Writable, onProgress: (c: MapCounts) => void): Promise<MapCounts> {
  const counts: MapCounts = { done: 0, failed: 0 };
  const lib = url.protocol === 'https:' ? https : http;
  const req = lib.request(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (e) => reject(new ApiError(0, 'unreachable', `cannot reach the host at ${url.origin}: ${e.message}`)));
  });
  // The input goes out as the host takes it; a failure here shows as the request's error or an early answer.
  input.pipe(req);
  input.once('error', (e) => req.destroy(e));
  const res = await response;
  if (res.statusCode !== 200) {
    input.unpipe(req);
    input.destroy();
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw await toApiError(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 }));
  }
  let partial = '';
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        if (!l) continue;
        counts.done++;
        if (failedLine(l)) counts.failed++;
      }
      onProgress(counts);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, count, output);
  } catch (e) {
    throw new ApiError(0, 'interrupted', `the map stopped after ${counts.done} items: ${(e as Error).message}`);
  }
  if (!res.complete) throw new ApiError(0, 'interrupted', `the host closed the connection after ${counts.done} items`);
  return counts;
}

/** An item answered with an error, or with a 5xx status. */
function failedLine(line: string): boolean {
  try {
    const o = JSON.parse(line) as { status?: number; error?: unknown };
    return o.error !== undefined || (o.status ?? 0) >= 500;
  } catch {
    return true;
  }
}
