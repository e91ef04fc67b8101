// Deploy-time rewrite: a module's active data segments become one per contiguous run of memory.
//
// V8 copies data segments into memory one by one on every instantiation, with a cost per segment, and
// AssemblyScript emits one per static string: merged, a small function's instantiation is a good part cheaper
// (docs/design.md, "Costs behind the design"). Gaps up to MAX_GAP_BYTES are filled with zeros, which is what memory
// holds there anyway: a fresh memory is zero and a pooled one is zeroed.

import { concatBytes, encodeS32, encodeU32 } from './byte-reader.js';
import { SECTION, type ModuleLayout } from './layout.js';

const MAX_GAP_BYTES = 4096;
const I32_CONST = 0x41;

interface Run {
  start: number;
  end: number;
  /** Indices into layout.data, in module order (a later segment overwrites an earlier one where they overlap). */
  segments: number[];
}

/**
 * The module with merged data segments, or null when there is nothing to gain or it cannot be done safely: passive
 * segments or offsets from globals (memory.init and data.drop name segments by index), or fewer than two segments.
 * The caller validates the result and keeps the original if V8 refuses it.
 */
export function mergeDataSegments(bytes: Uint8Array, layout: ModuleLayout): Uint8Array | null {
  const data = layout.data;
  if (data.length < 2) return null;
  if (data.some((d) => !d.active || d.memoryIndex !== 0 || d.offset === null || d.offsetOp !== I32_CONST)) return null;
  const section = layout.sections.find((s) => s.id === SECTION.data);
  if (!section) return null;

  const order = data.map((_, i) => i).sort((a, b) => data[a]!.offset! - data[b]!.offset! || a - b);
  const runs: Run[] = [];
  for (const i of order) {
    const d = data[i]!;
    const last = runs[runs.length - 1];
    if (last && d.offset! <= last.end + MAX_GAP_BYTES) {
      last.end = Math.max(last.end, d.offset! + d.length);
      last.segments.push(i);
    } else runs.push({ start: d.offset!, end: d.offset! + d.length, segments: [i] });
  }
  if (runs.length === data.length) return null;

  const content: number[][] = [encodeU32(runs.length)];
  const payloads: Uint8Array[] = [];
  for (const run of runs) {
    const image = new Uint8Array(run.end - run.start);
    for (const i of run.segments.sort((a, b) => a - b)) {
      const d = data[i]!;
      image.set(bytes.subarray(d.bytesAt, d.bytesAt + d.length), d.offset! - run.start);
    }
    content.push([0x00, I32_CONST, ...encodeS32(run.start), 0x0b, ...encodeU32(image.length)]);
    payloads.push(image);
  }

  const parts: Uint8Array[] = [];
  let at = 0;
  for (const s of layout.sections) {
    parts.push(bytes.subarray(at, s.start));
    at = s.end;
    if (s.id === SECTION.data) {
      const size = content.reduce((n, c) => n + c.length, 0) + payloads.reduce((n, p) => n + p.length, 0);
      parts.push(Uint8Array.from([SECTION.data, ...encodeU32(size)]));
      content.forEach((c, i) => {
        parts.push(Uint8Array.from(c));
        if (i > 0) parts.push(payloads[i - 1]!);
      });
    } else if (s.id === SECTION.dataCount) {
      const count = encodeU32(runs.length);
      parts.push(Uint8Array.from([SECTION.dataCount, ...encodeU32(count.length), ...count]));
    } else parts.push(bytes.subarray(s.start, s.end));
  }
  parts.push(bytes.subarray(at));
  return concatBytes(parts);
}
