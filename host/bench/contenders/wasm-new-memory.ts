// Contender `wasm-new-memory`: the same module and Executor, but a new WebAssembly.Memory for every request.

import { ExecutorContender } from './executor-common.js';

export function wasmNewMemoryContender(): ExecutorContender {
  return new ExecutorContender(
    'wasm-new-memory',
    'wasm-instance',
    'what a naive Wasm host does: the same rewritten `hello` module and Executor, but a new WebAssembly.Memory per request instead of a pooled one',
    0,
  );
}
