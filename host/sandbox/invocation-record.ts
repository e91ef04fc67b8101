// The invocation record of one call, built the same way whatever started it (/fn, an asynchronous invocation, a
// map item, a topic or stream message), so logs, metrics and usage count every call alike.

import type { WasmfnError } from '../errors.js';
import type { LiveFunction } from '../store/registry.js';
import type { InvocationRecord } from '../invocation/record.js';
import { sharedNow } from '../invocation/clock.js';
import type { JobInput } from './job-codec.js';
import type { InvokeOutcome } from './pool.js';

/** What started a call that did not come over /fn; shown in its log line. */
export type Trigger = 'map' | 'topic' | 'stream';

const TRIGGER_FIELDS: Record<Trigger, Buffer> = {
  map: Buffer.from(',"trigger":"map"', 'latin1'),
  topic: Buffer.from(',"trigger":"topic"', 'latin1'),
  stream: Buffer.from(',"trigger":"stream"', 'latin1'),
};

/** One object shape for every record (no spreads): built on the main thread for every call. */
export function invocationRecord(
  fn: LiveFunction, input: JobInput, status: number, failure: WasmfnError | null, out: InvokeOutcome | null,
  bytesOut: number, trigger?: Trigger,
): InvocationRecord {
  const ran = out !== null && out.line !== null;
  return {
    requestId: input.requestId, time: Date.now(), function: fn.name, version: fn.version, method: input.method, path: input.path, status,
    code: failure ? failure.code : null,
    message: failure ? failure.message : undefined,
    trapStack: failure ? (out && !out.ok ? out.trapStack : []) : undefined,
    queueMs: out ? out.queueMs : 0, instantiateMs: out ? out.instantiateMs : 0, runMs: out ? out.runMs : 0,
    // The worker's own figure when it ran the job, so the log line (which it formatted) and metrics agree.
    totalMs: ran ? out.totalMs : sharedNow() - input.receivedAt,
    fuelUsed: out ? out.fuelUsed : null, peakPages: out ? out.peakPages : 0, memoryMb: fn.limits.memoryMb,
    bytesIn: input.body.byteLength, bytesOut, logs: out ? out.logs : [],
    line: ran ? (trigger ? withTrigger(out.line!, TRIGGER_FIELDS[trigger]) : out.line!) : undefined,
    fetches: out?.fetches,
    trigger,
  };
}

/** A line a worker formatted, with the trigger added before its closing brace (an empty line stays empty). */
function withTrigger(line: Uint8Array, field: Buffer): Uint8Array {
  // A line ends with `}\n`.
  if (line.length < 2) return line;
  const out = Buffer.allocUnsafe(line.length + field.length);
  out.set(line.subarray(0, line.length - 2), 0);
  out.set(field, line.length - 2);
  out[out.length - 2] = 0x7d;
  out[out.length - 1] = 0x0a;
  return out;
}
