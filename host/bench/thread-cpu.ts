// CPU time and context switches per thread of a process, read from Linux's /proc, so an HTTP run can say what
// each request cost the server's main thread, its other threads and the load generator.

import fs from 'node:fs';

/** One process at one moment; null off Linux (or when the process is gone). */
export interface ProcessSample {
  mainMs: number;
  otherMs: number;
  /** Voluntary plus involuntary, over all live threads. */
  switches: number;
}

export interface CpuPerRequest {
  /** The server's main thread: HTTP, and for wasmfn the pool's hand-off. */
  serverMainUs: number;
  /** Every other server thread: wasmfn's workers, and V8's GC and compiler helpers. */
  serverOtherUs: number;
  /** The bench process, which runs autocannon. */
  loadGeneratorUs: number;
  /** Context switches of the server and the load generator together. */
  switches: number;
}

// /proc reports times in clock ticks; USER_HZ is 100 on every Linux build Node supports.
const MS_PER_TICK = 10;

/**
 * The fields of one thread's /proc stat line after the command name, so field 3 of proc(5) (state) is index 0.
 * The command name may hold spaces and parentheses: fields are counted from the last ')'.
 */
export function threadStatFields(pid: number, tid: string): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU ms and context switches of one thread of `pid` (its main thread's id is the pid itself). */
export function threadStat(pid: number, tid: string): { ms: number; switches: number } {
  const fields = threadStatFields(pid, tid);
  const ms = (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  const count = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { ms, switches: count('voluntary_ctxt_switches') + count('nonvoluntary_ctxt_switches') };
}

export function sampleProcess(pid: number): ProcessSample | null {
  try {
    const sample: ProcessSample = { mainMs: 0, otherMs: 0, switches: 0 };
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      let t: { ms: number; switches: number };
      try {
        t = threadStat(pid, tid);
      } catch {
        continue; // the thread ended between the listing and the read
      }
      if (tid === String(pid)) sample.mainMs += t.ms;
      else sample.otherMs += t.ms;
      sample.switches += t.switches;
    }
    return sample;
  } catch {
    return null;
  }
}

/** Per request between two samples of the server and two of the load generator; null if any is missing. */
export function perRequest(
  server: [ProcessSample | null, ProcessSample | null],
  load: [ProcessSample | null, ProcessSample | null],
  requests: number,
): CpuPerRequest | null {
  const [s0, s1] = server;
  const [l0, l1] = load;
  if (!s0 || !s1 || !l0 || !l1 || requests <= 0) return null;
  const us = (ms: number): number => Math.round((ms * 1000 / requests) * 10) / 10;
  return {
    serverMainUs: us(s1.mainMs - s0.mainMs),
    // Threads that ended during the run take their time with them: never report less than nothing.
    serverOtherUs: Math.max(0, us(s1.otherMs - s0.otherMs)),
    loadGeneratorUs: us(l1.mainMs + l1.otherMs - l0.mainMs - l0.otherMs),
    switches: Math.max(0, Math.round(((s1.switches - s0.switches + l1.switches - l0.switches) / requests) * 100) / 100),
  };
}
