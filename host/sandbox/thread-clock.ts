// The CPU time the current thread has used, for choices that must not be fooled by time spent waiting for a core.

import fs from 'node:fs';

export interface ThreadClock {
  /** CPU time this thread has used, in ns. */
  ns(): number;
  close(): void;
}

/**
 * The kernel's count for this thread (Linux: the first field of /proc/thread-self/schedstat). It moves in scheduler
 * ticks while the thread runs, so it is for spans of many ticks. The file is opened once, so it keeps naming the
 * thread that made the clock. Null where the kernel has no such file.
 */
export function threadClock(): ThreadClock | null {
  let fd: number;
  try {
    fd = fs.openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(64);
  let open = true;
  const ns = (): number => {
    if (!open) return NaN;
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const line = buf.subarray(0, n);
    const space = line.indexOf(32);
    return Number(line.toString('latin1', 0, space < 0 ? n : space));
  };
  const close = () => {
    if (open) fs.closeSync(fd);
    open = false;
  };
  try {
    // A kernel without scheduler statistics shows zeros: such a clock would make every window look free.
    if (!(ns() > 0)) throw new Error('no CPU time counted');
  } catch {
    close();
    return null;
  }
  return { ns, close };
}
