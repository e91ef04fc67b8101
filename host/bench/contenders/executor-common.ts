// Shared by the two contenders that run the `hello` SDK function through the host's Executor.

import type { GuestRequest, RequestSource } from '../../abi/types.js';
import { jobRequest, localJob, requestSource, type FunctionFacts, type JobInput } from '../../sandbox/job-codec.js';
import { Executor, type RunJob, type RunResult } from '../../sandbox/executor.js';
import type { MemoryShape } from '../../sandbox/memory-pool.js';
import { prepareModule } from '../../wasm/prepare.js';
import { DEFAULT_LIMITS } from '../../config.js';
import { checkOutput, INPUT, usSince, type Contender, type PhaseSample } from '../contender.js';
import { freshBytes } from '../fresh-bytes.js';
import { readGuest } from '../guests.js';
import type { Isolation } from '../results.js';

/** Deploy-time options the host uses for a function with default limits. */
const PREPARE = { memoryMb: DEFAULT_LIMITS.memoryMb, fuel: true, maxTableElements: 100_000 } as const;
export const FUEL = BigInt(DEFAULT_LIMITS.fuel);
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

const decoder = new TextDecoder();

/** What the HTTP layer builds for `GET /fn/hello?name=world`. */
export function helloRequest(): GuestRequest {
  return {
    method: 'GET',
    path: '/',
    query: `name=${INPUT}`,
    headers: [['host', '127.0.0.1']],
    body: new Uint8Array(0),
    fn: { name: 'hello', version: 'bench', env: {} },
    server: { host: '127.0.0.1', port: 0, protocol: 'HTTP/1.1', remoteAddr: '127.0.0.1', fullUrl: `http://127.0.0.1/fn/hello?name=${INPUT}`, matchedRoute: '/fn/hello' },
  };
}

/** The same request as the host's HTTP layer hands it over (Node's raw header list, a request id of its length). */
const HELLO_INPUT: JobInput = {
  method: 'GET', path: '/', query: `name=${INPUT}`, rawHeaders: ['host', '127.0.0.1'], body: new Uint8Array(0), remoteAddr: '127.0.0.1',
  requestId: '00000000-0000-4000-8000-000000000000', receivedAt: 0,
};
const HELLO_FACTS: FunctionFacts = { name: 'hello', version: 'bench', env: {} };

/** A request encoded with the host's own codec into `buf`, as the HTTP thread's inline run makes its job. */
function hostEncoded(buf: Buffer, input: JobInput): RequestSource {
  return jobRequest(localJob(buf, 0, input), HELLO_FACTS);
}

export interface Deployed {
  module: WebAssembly.Module;
  abi: RunJob['abi'];
  memory: MemoryShape | null;
  /** The prepared module's bytes (what `module` was compiled from). */
  bytes: Uint8Array;
}

export async function deployHello(bytes: Uint8Array, phases?: PhaseSample): Promise<Deployed> {
  let t0 = performance.now();
  const prepared = await prepareModule(freshBytes(bytes), PREPARE);
  if (phases) phases.prepare = usSince(t0);
  // Binaryen may drop custom sections, so the nonce is added again: the compile must miss V8's cache.
  const fresh = freshBytes(prepared.bytes);
  t0 = performance.now();
  // Synchronous, like the other contenders' compile phase: the same work as the host's asynchronous
  // compile, without the thread-pool scheduling delay a busy machine adds to it.
  const module = new WebAssembly.Module(fresh);
  if (phases) phases.compile = usSince(t0);
  return { module, abi: prepared.abi, memory: prepared.memory, bytes: fresh };
}

function text(result: RunResult, who: string): string {
  if (!result.ok) throw new Error(`${who}: ${result.error.code}: ${result.error.message}`);
  return decoder.decode(result.response.body);
}

export class ExecutorContender implements Contender {
  readonly slow = false;
  private executor: Executor;
  private bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  private deployed: Deployed | null = null;
  private readonly wire = Buffer.allocUnsafeSlow(16 * 1024);

  constructor(
    readonly name: string,
    readonly isolation: Isolation,
    readonly description: string,
    /** Memories kept per shape; 0 means a new `WebAssembly.Memory` for every request. */
    poolPerShape: number,
    readonly host?: true,
  ) {
    this.executor = new Executor({ memoryPool: { perShape: poolPerShape } });
  }

  private job(d: Deployed): RunJob {
    return { module: d.module, abi: d.abi, memory: d.memory, fuel: FUEL, request: requestSource(helloRequest()), maxResponseBytes: MAX_RESPONSE_BYTES };
  }

  async setup(): Promise<void> {
    this.bytes = await readGuest('hello');
    this.deployed = await deployHello(this.bytes);
    const result = this.executor.run(this.job(this.deployed));
    // Read before recycle(): the body lives in the executor's scratch buffer until then.
    checkOutput(this.name, text(result, this.name));
    this.executor.recycle();
  }

  coldStart(): number {
    const d = this.deployed!;
    const t0 = performance.now();
    // Encoded as the host's HTTP thread does for each call (inline-runner.ts), into a buffer it reuses.
    const request = hostEncoded(this.wire, HELLO_INPUT);
    const result = this.executor.run({ module: d.module, abi: d.abi, memory: d.memory, fuel: FUEL, request, maxResponseBytes: MAX_RESPONSE_BYTES });
    const us = usSince(t0);
    this.executor.recycle(); // after the response, as the host does: zeroing is off the latency path
    if (!result.ok) text(result, this.name);
    return us;
  }

  async deploy(): Promise<PhaseSample> {
    const phases: PhaseSample = {};
    const d = await deployHello(this.bytes, phases);
    const result = this.executor.run(this.job(d));
    text(result, this.name);
    this.executor.recycle();
    phases.instantiate = result.instantiateMs * 1000;
    phases.firstCall = result.runMs * 1000;
    return phases;
  }

  async teardown(): Promise<void> {
    this.executor.memories.clear();
  }
}
