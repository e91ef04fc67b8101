// The `env` functions the AssemblyScript runtime imports (abort, trace, seed, Date.now, console.*).

import { WasmfnError } from '../errors.js';
import { readAsString } from './as-string.js';
import { escapeControl } from '../control-chars.js';
import { frozenFunctions } from './import-object.js';
import type { LogLevel } from './types.js';

type Log = (level: LogLevel, line: string) => void;

/** The call in progress on this thread: what the shared import functions act on. */
export interface AsEnvTarget {
  memory: WebAssembly.Memory;
  log: Log;
}

/** Formats `abort(message, file, line, column)` the way the AssemblyScript loader does, the guest's text escaped. */
export function abortMessage(memory: WebAssembly.Memory, msg: number, file: number, line: number, col: number): string {
  const text = escapeControl(readAsString(memory, msg) ?? '(no message)');
  const where = readAsString(memory, file);
  return where === null ? `abort: ${text}` : `abort: ${text} at ${escapeControl(where)}:${line >>> 0}:${col >>> 0}`;
}

/**
 * The functions, created once per thread and acting on whichever call `target()` returns: V8 links function
 * objects it has seen before faster than new closures, and nothing here holds state of its own, so no request
 * can see another's (they are frozen, so nothing can be added to them either). `abort` throws a `trap` error
 * that unwinds the guest.
 */
export function asEnvFunctions(target: () => AsEnvTarget): Readonly<Record<string, (...args: number[]) => unknown>> {
  const consoleAt = (level: LogLevel) => (ptr: number): void => {
    const t = target();
    t.log(level, readAsString(t.memory, ptr) ?? '');
  };
  return frozenFunctions({
    abort(msg: number, file: number, line: number, col: number): never {
      throw new WasmfnError('trap', abortMessage(target().memory, msg, file, line, col));
    },
    // Named parameters, not a rest array: the module declares the import's arity (up to 1000 parameters), and `n`
    // is its own claim; only AssemblyScript's five values are ever read.
    trace(msg: number, n: number, a0?: number, a1?: number, a2?: number, a3?: number, a4?: number): void {
      const t = target();
      const values = [a0, a1, a2, a3, a4].slice(0, Math.max(0, Math.min(n | 0, 5))).filter((v) => v !== undefined);
      t.log('debug', `trace: ${readAsString(t.memory, msg) ?? ''}${values.length ? ` ${values.join(', ')}` : ''}`);
    },
    // Seeds Math.random inside the guest; not meant for cryptography (neither is AssemblyScript's PRNG). It and the
    // clock need no call state, but ask for the call anyway: outside a call they throw, so an instance made ahead of
    // its call (abi/runtime.ts InstantiateFn) cannot learn when its start function ran.
    seed: (): number => {
      target();
      return Math.random() * Number.MAX_SAFE_INTEGER;
    },
    'Date.now': (): number => {
      target();
      return Date.now();
    },
    'console.log': consoleAt('info'),
    'console.info': consoleAt('info'),
    'console.debug': consoleAt('debug'),
    'console.warn': consoleAt('warn'),
    'console.error': consoleAt('error'),
  });
}
