// Deploy-time rewrites that make every instantiation of a module cheaper without changing what any call can see.
// V8 builds each export anew for every instance and enters the module once more to run a start function, and the
// sandbox instantiates once per call, so both count on every call (docs/limits.md, "Cold start").

import binaryen from 'binaryen';
import { concatBytes } from './byte-reader.js';
import { readLayout, SECTION } from './layout.js';

/**
 * Drops every export but `keep`. V8 makes a JS function for each exported function and a property for each export
 * on every instance, and the sandbox reads only the few its ABI calls (abi/detect.ts, CALLED_EXPORTS): the memory
 * it already holds as the import `env.memory`, and a runtime's other helpers, are never read. The functions and
 * globals stay in the module; nothing but the host ever sees a module's exports.
 */
export function keepOnlyExports(m: binaryen.Module, keep: readonly string[]): void {
  for (let i = m.getNumExports() - 1; i >= 0; i--) {
    const e = binaryen.getExportInfo(m.getExportByIndex(i));
    if (!keep.includes(e.name)) m.removeExport(e.name);
  }
}

/** Most globals a start may set and still be folded. */
const MAX_FOLDED_GLOBALS = 64;

/** The stores of a start body that does nothing but store constants into globals, or null for any other body. */
function constantStores(body: binaryen.ExpressionRef): binaryen.ExpressionRef[] | null {
  const id = binaryen.getExpressionId(body);
  if (id === binaryen.GlobalSetId) return [body];
  if (id !== binaryen.BlockId) return null;
  const children = (binaryen.getExpressionInfo(body) as binaryen.BlockInfo).children;
  return children.every((c) => binaryen.getExpressionId(c) === binaryen.GlobalSetId) ? children : null;
}

/**
 * A start function that only stores constants into the module's own globals (AssemblyScript's stub runtime sets its
 * heap offset that way) leaves the instance exactly as globals starting with those values would: nothing runs in
 * between that could read them, and its fuel is a few units. Those stores become the initial values, and true says
 * the start is now redundant: the emitted module's start section can go (withoutStart). Any other start is kept as
 * it is: one that reads memory, calls a function or sets an imported global does what only running it can.
 */
export function foldConstantStart(m: binaryen.Module): boolean {
  const start = m.getStart();
  if (!start) return false;
  // An imported start has no body to read.
  const info = binaryen.getFunctionInfo(start);
  if (info.module || !info.body) return false;
  const stores = constantStores(info.body);
  if (stores === null) return false;
  const values = new Map<string, binaryen.ExpressionRef>();
  for (const store of stores) {
    const { name, value } = binaryen.getExpressionInfo(store) as binaryen.GlobalSetInfo;
    if (binaryen.getExpressionId(value) !== binaryen.ConstId) return false;
    if (binaryen.getGlobalInfo(m.getGlobal(name)).module) return false;
    values.set(name, value); // the last store of a global is the value it keeps
  }
  // Binaryen removes a global in time proportional to their number: a start storing into each of a module's many
  // thousands would hold the deploy for its whole time limit. Runtimes' starts set a few.
  if (values.size > MAX_FOLDED_GLOBALS) return false;
  for (const [name, value] of values) {
    const g = binaryen.getGlobalInfo(m.getGlobal(name));
    m.removeGlobal(name);
    m.addGlobal(name, g.type, g.mutable, m.copyExpression(value));
  }
  return true;
}

/**
 * The module without its start section, cut out of the bytes: Binaryen cannot unset a start function. The
 * function stays in the module (a table or another function may still refer to it).
 */
export function withoutStart(bytes: Uint8Array): Uint8Array {
  const { sections } = readLayout(bytes);
  return concatBytes([bytes.subarray(0, sections[0]?.start ?? bytes.length), ...sections.filter((s) => s.id !== SECTION.start).map((s) => bytes.subarray(s.start, s.end))]);
}
