// The invocation record of a call that did not come over /fn (a map item, a topic or stream message), as /fn's
// route builds it, with what triggered it.

import { WasmfnError } from '../../errors.js';
import type { LiveFunction } from '../../store/registry.js';
import type { JobInput } from '../../sandbox/job-codec.js';
import type { InvokeOutcome } from '../../sandbox/pool.js';
import type { InvocationRecord } from '../../invocation/record.js';
import { sharedNow } from '../../invocation/clock.js';

export type Trigger = 'map' | 'topic' | 'stream';

const TRIGGER_FIELDS: Record<Trigger, Buffer> = {
  map: Buffer.from(',"trigger":"map"', 'latin1'),
  topic: Buffer.from(',"trigger":"topic"', 'latin1'),
  stream: Buffer.from(',"trigger":"stream"', 'latin1'),
};

export function triggeredRecord(trigger: Trigger, fn: LiveFunction, input: JobInput, out: InvokeOutcome): InvocationRecord {
  const failure = out.ok ? null : WasmfnError.from(out.error);
  const status = out.ok ? out.status : failure!.status;
  const ran = out.line !== null;
  return {
    requestId: input.requestId, time: Date.now(), function: fn.name, version: fn.version, method: input.method, path: input.path, status,
    code: failure ? failure.code : null,
    message: failure ? failure.message : undefined,
    trapStack: !out.ok ? out.trapStack : undefined,
    queueMs: out.queueMs, instantiateMs: out.instantiateMs, runMs: out.runMs,
    totalMs: ran ? out.totalMs : sharedNow() - input.receivedAt,
    fuelUsed: out.fuelUsed, peakPages: out.peakPages, memoryMb: fn.limits.memoryMb,
    bytesIn: input.body.byteLength, bytesOut: out.ok ? out.body.byteLength : 0, logs: out.logs,
    line: ran ? withTrigger(out.line!, TRIGGER_FIELDS[trigger]) : undefined,
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
