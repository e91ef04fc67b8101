// Contender `wasmfn`: the host's own per-request path (fresh instance, pooled zeroed memory, fuel metering on).

import { ExecutorContender } from './executor-common.js';

export function wasmfnContender(): ExecutorContender {
  return new ExecutorContender(
    'wasmfn',
    'wasm-instance',
    'wasmfn itself: the `hello` SDK function, deploy-time rewritten, run by the sandbox Executor in a fresh instance with a pooled zeroed memory and fuel metering (zeroing a memory for reuse happens after the response, as in the host, and is not counted)',
    4,
    true,
  );
}
