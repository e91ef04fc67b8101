// The keys of a KV bucket, read from its stream's own per-subject counts in one request. The client's listing
// (`kv.keys()`) runs a consumer that stops at the first message with nothing pending after it, so a key written
// while it runs can come back several times and the others not at all; the stream's subject list is one snapshot.

import type { ClusterConnection } from './connection.js';

/**
 * Every key of `bucket` matching the subject filter `filter` (`>` for all, `a.*` for one level under `a`), in no
 * particular order. A deleted key is listed too, as long as its delete marker is kept: read an entry to tell.
 */
export async function kvKeys(c: ClusterConnection, bucket: string, filter = '>'): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  // The client pages through long subject lists by itself.
  const info = await c.jsm.streams.info(`KV_${bucket}`, { subjects_filter: prefix + filter });
  return Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
}
