// One run of a WASI command: a fresh instance of the prepared module, metered by fuel, with the given streams and
// the host directories of the job. `wasmfn run` calls it in a thread of its own (guest-worker.ts).

import type { RunGuestJob, RunGuestReply } from './protocol.js';
import type { WasiStreams } from '../../abi/wasi/preview1.js';
import { Wasi } from '../../abi/wasi/preview1.js';
import { HostDirFs } from '../../abi/wasi/fs/host-dir.js';
import { WASI_MODULE } from '../../abi/detect.js';
import { FUEL_EXPORT, RUNTIME_IMPORTS, RUNTIME_MODULE, runtimeNamespace } from '../../wasm/fuel-contract.js';
import { classifyFailure } from '../../sandbox/classify.js';
import { WasmfnError } from '../../errors.js';

/** `onStarted` is called once the module is compiled, just before the guest runs. */
export function runGuest(job: RunGuestJob, streams: WasiStreams, onStarted: () => void = () => {}): RunGuestReply {
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
    streams,
    preopens: job.dirs.map((d) => ({ guestPath: d.guestDir, fs: new HostDirFs(d.hostDir) })),
  });
  let instance: WebAssembly.Instance | null = null;
  try {
    const module = new WebAssembly.Module(job.bytes as Uint8Array<ArrayBuffer>);
    onStarted();
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
