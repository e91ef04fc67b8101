// A design wasmfn does not use, measured for comparison: one instance kept per function and put back into the
// state it had right after instantiation before every call (its memory's first pages copied back from a snapshot,
// its mutable globals set back), instead of a new instance per call. It shows what the per-call instantiation
// costs over HTTP. It is a prototype for the SDK `hello` only: it does not handle what would make a reset
// incomplete (a grown memory is handled by instantiating again; mutable tables, dropped segments and a start
// function that calls imports are not), which a real design would have to refuse or restore.

import binaryen from 'binaryen';
import { BINARYEN_FEATURES } from '../wasm/fuel.js';
import { RUNTIME_IMPORTS, RUNTIME_MODULE } from '../wasm/fuel-contract.js';
import { decodeResponse } from '../abi/sdk-wire.js';
import type { GuestResponse, RequestSource } from '../abi/types.js';
import type { MemoryShape } from '../sandbox/memory-pool.js';

const EXPORT_PREFIX = '__bench_global_';

/** The prepared module with every mutable global of its own exported, so the host can set them back. */
export function withGlobalsExported(prepared: Uint8Array): Uint8Array<ArrayBuffer> {
  const readBinary = binaryen.readBinary as (data: Uint8Array, features: binaryen.Features) => binaryen.Module;
  const bulkMemoryOpt = (binaryen.Features as unknown as { BulkMemoryOpt?: number }).BulkMemoryOpt ?? 0;
  const m = readBinary(prepared, BINARYEN_FEATURES | bulkMemoryOpt);
  try {
    for (let i = 0; i < m.getNumGlobals(); i++) {
      const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
      if (!g.module && g.mutable) m.addGlobalExport(g.name, `${EXPORT_PREFIX}${i}`);
    }
    if (!m.validate()) throw new Error('the module with its globals exported does not validate');
    return new Uint8Array(m.emitBinary());
  } finally {
    m.dispose();
  }
}

interface Kept {
  instance: WebAssembly.Instance;
  handle: () => void;
  image: Uint8Array;
  globals: [WebAssembly.Global, number | bigint][];
}

export class ResetInstance {
  private readonly memory: WebAssembly.Memory;
  private readonly fuelOut = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  private readonly growFailed = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  private readonly imports: WebAssembly.Imports;
  private kept: Kept | null = null;
  private request: RequestSource | null = null;
  private response: GuestResponse | null = null;

  constructor(private readonly module: WebAssembly.Module, shape: MemoryShape, fuel: bigint, maxResponseBytes: number) {
    this.memory = new WebAssembly.Memory({ initial: shape.initialPages, maximum: shape.maximumPages });
    this.imports = {
      env: { memory: this.memory, abort: () => { throw new Error('abort'); } },
      [RUNTIME_MODULE]: { [RUNTIME_IMPORTS.budget]: fuel as unknown as WebAssembly.ImportValue, [RUNTIME_IMPORTS.fuelOut]: this.fuelOut, [RUNTIME_IMPORTS.growFailed]: this.growFailed },
      wasmfn: {
        request_len: () => this.request!.wireLength,
        request_read: (ptr: number) => this.request!.writeWire(new Uint8Array(this.memory.buffer), ptr >>> 0),
        response_write: (ptr: number, len: number) => {
          this.response = decodeResponse(this.memory, ptr >>> 0, len >>> 0, maxResponseBytes);
        },
      },
    };
  }

  run(request: RequestSource): GuestResponse {
    const k = this.reset();
    this.request = request;
    this.response = null;
    try {
      k.handle();
    } finally {
      this.request = null;
    }
    if (this.response === null) throw new Error('the function wrote no response');
    return this.response;
  }

  /** The kept instance in its just-instantiated state; a new one if the last call grew the memory. */
  private reset(): Kept {
    const k = this.kept;
    if (k !== null && this.memory.buffer.byteLength === k.image.byteLength) {
      new Uint8Array(this.memory.buffer).set(k.image);
      for (const [g, v] of k.globals) g.value = v;
      this.fuelOut.value = 0;
      this.growFailed.value = 0;
      return k;
    }
    // The memory cannot shrink back: the next snapshot is of the grown size, zeroed first.
    new Uint8Array(this.memory.buffer).fill(0);
    const instance = new WebAssembly.Instance(this.module, this.imports);
    const globals: Kept['globals'] = [];
    for (const [name, value] of Object.entries(instance.exports)) {
      if (name.startsWith(EXPORT_PREFIX)) globals.push([value as WebAssembly.Global, (value as WebAssembly.Global).value as number | bigint]);
    }
    const kept: Kept = { instance, handle: instance.exports['handle'] as () => void, image: new Uint8Array(this.memory.buffer).slice(), globals };
    this.kept = kept;
    return kept;
  }
}
