// Facts about the machine a run happened on, written into results.json so figures can be compared honestly.

import os from 'node:os';
import type { Machine } from './results.js';

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
