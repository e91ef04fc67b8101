// Every contender, in report order: the host first, the floor last.

import type { Contender } from '../contender.js';
import { wasmfnContender } from './wasmfn.js';
import { wasmNewMemoryContender } from './wasm-new-memory.js';
import { asLoaderContender } from './as-loader.js';
import { extismContender } from './extism.js';
import { vmContextContender } from './vm-context.js';
import { workerThreadContender } from './worker-thread.js';
import { processContender } from './process.js';
import { warmInstanceContender } from './warm-instance.js';

export const CONTENDER_NAMES = [
  'wasmfn', 'wasm-new-memory', 'as-loader', 'extism', 'vm-context', 'worker-thread', 'process', 'warm-instance',
] as const;

export function allContenders(): Contender[] {
  return [
    wasmfnContender(),
    wasmNewMemoryContender(),
    asLoaderContender(),
    extismContender(),
    vmContextContender(),
    workerThreadContender(),
    processContender(),
    warmInstanceContender(),
  ];
}
