// Messages on a worker's MessagePort, next to the shared-memory channel: what is too big or too rare for a slot.
// The worker never listens for them; it takes them with receiveMessageOnPort when the channel says so, so its
// loop can stay in Atomics.wait between jobs.

import type { MessagePort } from 'node:worker_threads';
import type { AbiName } from '../abi/types.js';
import type { ChannelShape } from './channel.js';
import type { LineLevels } from '../invocation/line.js';
import type { MemoryShape } from './memory-pool.js';
import type { FunctionFacts } from './job-codec.js';
import type { LiveFunction } from '../store/registry.js';
import type { CapabilityWire } from './capability-client.js';

/** A function version a worker will run: posted once per worker, before the first job that needs it. */
export interface ModuleMessage {
  type: 'module';
  id: number;
  module: WebAssembly.Module;
  abi: AbiName;
  memory: MemoryShape | null;
  /** Fuel budget per request; null when the module is not instrumented. */
  fuel: number | null;
  fn: FunctionFacts;
}

export function moduleMessage(id: number, fn: LiveFunction): ModuleMessage {
  return {
    type: 'module',
    id,
    module: fn.module,
    abi: fn.abi,
    memory: fn.memory,
    fuel: fn.fuelInstrumented ? fn.limits.fuel : null,
    fn: functionFacts(fn),
  };
}

/** What a worker keeps with a module to build the guest's request from. */
export function functionFacts(fn: LiveFunction): FunctionFacts {
  const facts: FunctionFacts = { name: fn.name, version: fn.version, env: fn.env, config: fn.grants.config };
  if (fn.abi === 'wagi') {
    if (fn.files) facts.files = fn.files;
    facts.tmpLimitBytes = fn.limits.memoryMb * 1024 * 1024;
  }
  return facts;
}

export interface ForgetMessage {
  type: 'forget';
  ids: number[];
}

/** A job record too big for its slot (the slot's request length says ON_PORT). */
export interface PayloadMessage {
  type: 'payload';
  jobId: number;
  bytes: Uint8Array;
}

/** The job of a payload was taken back before it started. */
export interface DropMessage {
  type: 'drop';
  jobId: number;
}

export type ControlMessage = ModuleMessage | ForgetMessage | PayloadMessage | DropMessage;

/** Worker to main on the same port: a result record too big for its slot. */
export interface ResultMessage {
  jobId: number;
  bytes: Uint8Array;
}

/** What a new worker is given. */
export interface WorkerInit {
  channel: SharedArrayBuffer;
  shape: ChannelShape;
  bell: SharedArrayBuffer;
  port: MessagePort;
  maxResponseBytes: number;
  /** The worker's budget for zeroed memories kept for reuse. */
  memoryPool: { maxBytes: number; maxMemoryBytes: number };
  /** Levels of the invocation log lines the worker formats. */
  lineLevels: LineLevels;
  /** Where the worker's guests send key-value and HTTP calls. */
  caps: CapabilityWire;
  /** Nice steps the worker thread takes below the HTTP thread's priority (Linux); 0 = none. */
  nice: number;
}
