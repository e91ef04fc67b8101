// Writes an invocation to the host log: one structured line, the guest's own lines tagged with the request id,
// and a failure's wasm stack (which only the log and the admin logs endpoint ever see, never the caller).

import type { Logger } from './logger.js';
import type { InvocationRecord } from './invocation.js';

const us = (ms: number) => Math.round(ms * 1000) / 1000;

export function logInvocation(log: Logger, r: InvocationRecord): void {
  const failed = r.code !== null;
  // Checked first so a quiet LOG_LEVEL costs no object building at all.
  if (log.isLevelEnabled(failed ? 'warn' : 'info')) {
    const line = {
      event: 'invocation',
      requestId: r.requestId,
      function: r.function,
      version: r.version,
      method: r.method,
      path: r.path,
      status: r.status,
      code: r.code,
      queueMs: us(r.queueMs),
      instantiateMs: us(r.instantiateMs),
      runMs: us(r.runMs),
      totalMs: us(r.totalMs),
      fuelUsed: r.fuelUsed,
      peakPages: r.peakPages,
      bytesIn: r.bytesIn,
      bytesOut: r.bytesOut,
      ...(failed ? { error: { message: r.message ?? '', trapStack: r.trapStack ?? [] } } : {}),
    };
    const msg = `${r.method} /fn/${r.function}${r.path} ${r.status}${failed ? ` ${r.code}` : ''}`;
    if (failed) log.warn(line, msg);
    else log.info(line, msg);
  }
  for (let i = 0; i < r.logs.length; i++) {
    const l = r.logs[i]!;
    if (log.isLevelEnabled(l.level)) log[l.level]({ event: 'guest', requestId: r.requestId, function: r.function }, l.line);
  }
}
