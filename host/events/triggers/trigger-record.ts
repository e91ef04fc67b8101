// The invocation record of a call that did not come over /fn (a map item, a topic or stream message), from its
// outcome alone.

import { WasmfnError } from '../../errors.js';
import type { LiveFunction } from '../../store/registry.js';
import type { JobInput } from '../../sandbox/job-codec.js';
import type { InvokeOutcome } from '../../sandbox/pool.js';
import type { InvocationRecord } from '../../invocation/record.js';
import { invocationRecord, type Trigger } from '../../sandbox/invocation-record.js';

export type { Trigger };

export function triggeredRecord(trigger: Trigger, fn: LiveFunction, input: JobInput, out: InvokeOutcome): InvocationRecord {
  const failure = out.ok ? null : WasmfnError.from(out.error);
  return invocationRecord(fn, input, out.ok ? out.status : failure!.status, failure, out, out.ok ? out.body.byteLength : 0, trigger);
}
