// The thread `wasmfn run` runs its guest in: one fresh instance of the prepared module, metered by fuel, with the
// process's stdio and the host directories it was given; the main thread can terminate it on its deadline.

import { parentPort, workerData } from 'node:worker_threads';
import type { RunGuestJob, RunGuestReply } from './protocol.js';
import { Wasi } from '../../abi/wasi/preview1.js';
import { HostDirFs } from '../../abi/wasi/fs/host-dir.js';
import { WASI_MODULE } from '../../abi/detect.js';
import { FUEL_EXPORT, RUNTIME_IMPORTS, RUNTIME_MODULE, runtimeNamespace } from '../../wasm/fuel-contract.js';
import { classifyFailure } from '../../sandbox/classify.js';
import { WasmfnError } from '../../errors.js';
import { processStreams } from './streams.js';

function run(job: RunGuestJob): RunGuestReply {
  const memory = job.memory
    ? new WebAssembly.Memory({ initial: job.memory.initialPages, maximum: job.memory.maximumPages })
    : new WebAssembly.Memory({ initial: 0, maximum: 0 });
  const runtime = runtimeNamespace(BigInt(job.fuel));
  const wasi = new Wasi({
    memory,
    args: job.args,
    env: job.env,
    stdin: new Uint8Array(0),
    stdoutLimitBytes: 0,
    onStderrLine: () => {},
    streams: processStreams(),
    preopens: job.dirs.map((d) => ({ guestPath: d.guestDir, fs: new HostDirFs(d.hostDir) })),
  });
  let instance: WebAssembly.Instance | null = null;
  try {
    const module = new WebAssembly.Module(job.bytes as Uint8Array<ArrayBuffer>);
    const outcome = wasi.run(() => {
      instance = new WebAssembly.Instance(module, {
        [RUNTIME_MODULE]: runtime as unknown as WebAssembly.ModuleImports,
        env: { memory },
        [WASI_MODULE]: wasi.imports,
      });
      const start = instance.exports['_start'];
      if (typeof start !== 'function') throw new WasmfnError('invalid_module', 'a WASI command must export a "_start" function');
      (start as () => void)();
    });
    return { kind: 'exit', code: outcome.kind === 'exit' ? outcome.code : 1 };
  } catch (e) {
    const fuelOut = (runtime[RUNTIME_IMPORTS.fuelOut] as WebAssembly.Global).value === 1;
    const counter = (instance as WebAssembly.Instance | null)?.exports[FUEL_EXPORT] as WebAssembly.Global | undefined;
    const fuelLeft = fuelOut ? -1n : counter ? (counter.value as bigint) : null;
    const growFailed = (runtime[RUNTIME_IMPORTS.growFailed] as WebAssembly.Global).value === 1;
    const err = classifyFailure(e, { fuelLeft, growFailed });
    return { kind: 'error', code: err.code, message: err.message };
  }
}

parentPort!.postMessage(run(workerData as RunGuestJob));
