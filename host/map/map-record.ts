// The invocation record of one map item, as /fn's route builds it for a call, with trigger "map".

import type { WasmfnError } from '../errors.js';
import type { LiveFunction } from '../store/registry.js';
import type { JobInput } from '../sandbox/job-codec.js';
import type { InvokeOutcome } from '../sandbox/pool.js';
import type { InvocationRecord } from '../invocation/record.js';
import { sharedNow } from '../invocation/clock.js';

export const MAP_TRIGGER = 'map';

const TRIGGER_FIELD = Buffer.from(`,"trigger":"${MAP_TRIGGER}"`, 'latin1');

export function itemRecord(fn: LiveFunction, input: JobInput, status: number, failure: WasmfnError | null, out: InvokeOutcome | null): InvocationRecord {
  const ran = out !== null && out.line !== null;
  return {
    requestId: input.requestId, time: Date.now(), function: fn.name, version: fn.version, method: input.method, path: input.path, status,
    code: failure ? failure.code : null,
    message: failure ? failure.message : undefined,
    trapStack: failure ? (out && !out.ok ? out.trapStack : []) : undefined,
    queueMs: out ? out.queueMs : 0, instantiateMs: out ? out.instantiateMs : 0, runMs: out ? out.runMs : 0,
    totalMs: ran ? out.totalMs : sharedNow() - input.receivedAt,
    fuelUsed: out ? out.fuelUsed : null, peakPages: out ? out.peakPages : 0, memoryMb: fn.limits.memoryMb,
    bytesIn: input.body.byteLength, bytesOut: out && out.ok ? out.body.byteLength : 0, logs: out ? out.logs : [],
    line: ran ? withTrigger(out.line!) : undefined,
    trigger: MAP_TRIGGER,
  };
}

/** A line a worker formatted, with the trigger added before its closing brace (an empty line stays empty). */
function withTrigger(line: Uint8Array): Uint8Array {
  // A line ends with `}\n`.
  if (line.length < 2) return line;
  const out = Buffer.allocUnsafe(line.length + TRIGGER_FIELD.length);
  out.set(line.subarray(0, line.length - 2), 0);
  out.set(TRIGGER_FIELD, line.length - 2);
  out[out.length - 2] = 0x7d;
  out[out.length - 1] = 0x0a;
  return out;
}
