// Byte-level rewrite that makes a module's single memory the import `env.memory` with capped limits.
//
// Done on bytes rather than through Binaryen: the memory keeps index 0 whether it is defined or imported
// (imports come first in the index space and there is only one memory), so exports, data segments and
// every instruction stay valid untouched; only the import section and the memory section change.

import { concatBytes, encodeName, encodeU32 } from './byte-reader.js';
import { HEADER_BYTES, SECTION, type ModuleLayout, type SectionSpan } from './layout.js';

export interface MemoryLimitsPages {
  initialPages: number;
  maximumPages: number;
}

const KIND_MEMORY = 0x02;
const LIMITS_HAS_MAX = 0x01;

function encodeLimits(l: MemoryLimitsPages): number[] {
  return [LIMITS_HAS_MAX, ...encodeU32(l.initialPages), ...encodeU32(l.maximumPages)];
}

function section(id: number, content: Uint8Array[]): Uint8Array[] {
  const size = content.reduce((n, c) => n + c.length, 0);
  return [Uint8Array.of(id, ...encodeU32(size)), ...content];
}

function importSection(bytes: Uint8Array, layout: ModuleLayout, limits: MemoryLimitsPages): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let importsMemory = false;
  for (const entry of layout.imports) {
    if (entry.kind === 'memory' && entry.limitsStart !== undefined) {
      importsMemory = true;
      parts.push(bytes.subarray(entry.start, entry.limitsStart), Uint8Array.from(encodeLimits(limits)));
    } else {
      parts.push(bytes.subarray(entry.start, entry.end));
    }
  }
  if (!importsMemory) {
    parts.push(Uint8Array.from([...encodeName('env'), ...encodeName('memory'), KIND_MEMORY, ...encodeLimits(limits)]));
  }
  const count = layout.imports.length + (importsMemory ? 0 : 1);
  return section(SECTION.import, [Uint8Array.from(encodeU32(count)), ...parts]);
}

/** Where a new import section goes: after the type section, before any other known section. */
function importSectionPosition(sections: SectionSpan[]): number {
  const i = sections.findIndex((s) => s.id !== SECTION.custom && s.id !== SECTION.type);
  return i === -1 ? sections.length : i;
}

/**
 * Returns the module with its memory imported as `env.memory` {initial, maximum}. The caller has checked
 * that the module has exactly one memory, either defined or imported as `env.memory`.
 */
export function importMemory(bytes: Uint8Array, layout: ModuleLayout, limits: MemoryLimitsPages): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, HEADER_BYTES)];
  const newImports = importSection(bytes, layout, limits);
  const hasImportSection = layout.sections.some((s) => s.id === SECTION.import);
  const insertAt = hasImportSection ? -1 : importSectionPosition(layout.sections);
  layout.sections.forEach((s, i) => {
    if (i === insertAt) parts.push(...newImports);
    if (s.id === SECTION.import) parts.push(...newImports);
    else if (s.id !== SECTION.memory) parts.push(bytes.subarray(s.start, s.end));
  });
  if (insertAt === layout.sections.length) parts.push(...newImports);
  return concatBytes(parts);
}
