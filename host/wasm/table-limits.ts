// Byte-level rewrite that gives every table a maximum, all of them together within the host's table cap.
//
// V8 lets a table without a maximum grow to ten million elements, an allocation it makes on the guest's behalf
// and cannot survive in a worker's heap; a table that has a maximum can grow only that far (table.grow returns
// -1 past it, which every program must handle). Lowering a maximum changes nothing else: tables are never
// imported by a deployable module (no ABI provides one), so no import type has to match.

import { concatBytes, encodeU32 } from './byte-reader.js';
import { SECTION, type ModuleLayout, type TableDecl } from './layout.js';

const LIMITS_HAS_MAX = 0x01;

/**
 * The maximum each table gets: its initial size plus a share of what the cap leaves after all initial sizes.
 * Tables asking for the least growth are served first, each to at most an equal share of what is left, so a
 * small declared maximum is kept and tables without one split the rest. The caller has checked that the
 * initial sizes fit within `cap`.
 */
export function planTableMaxima(tables: readonly TableDecl[], cap: number): number[] {
  let left = cap - tables.reduce((n, t) => n + t.limits.initial, 0);
  const wanted = tables.map((t) => (t.limits.maximum === null ? Infinity : t.limits.maximum - t.limits.initial));
  const order = wanted.map((_, i) => i).sort((a, b) => wanted[a]! - wanted[b]! || a - b);
  const granted = new Array<number>(tables.length).fill(0);
  order.forEach((i, k) => {
    granted[i] = Math.min(wanted[i]!, Math.floor(left / (order.length - k)));
    left -= granted[i]!;
  });
  return tables.map((t, i) => t.limits.initial + granted[i]!);
}

/** Whether every table has a maximum and all maxima together fit within `cap`. */
export function tablesWithinCap(tables: readonly TableDecl[], cap: number): boolean {
  return tables.reduce((n, t) => n + (t.limits.maximum ?? Infinity), 0) <= cap;
}

/**
 * Returns the module with its table section rewritten so that table i has maximum `maxima[i]`. The caller has
 * checked that every table is defined by the module (none imported).
 */
export function capTableMaxima(bytes: Uint8Array, layout: ModuleLayout, maxima: readonly number[]): Uint8Array {
  const section = layout.sections.find((s) => s.id === SECTION.table);
  if (!section || layout.tables.some((t) => t.imported)) throw new Error('capTableMaxima needs a table section and no imported table');
  const content: number[] = [...encodeU32(layout.tables.length)];
  layout.tables.forEach((t, i) => content.push(t.refType, LIMITS_HAS_MAX, ...encodeU32(t.limits.initial), ...encodeU32(maxima[i]!)));
  const rewritten = Uint8Array.from([SECTION.table, ...encodeU32(content.length), ...content]);
  return concatBytes([bytes.subarray(0, section.start), rewritten, bytes.subarray(section.end)]);
}
