// Worker threads step back for the HTTP thread when the cores are short. The HTTP thread admits, routes and answers
// every call and runs the short ones itself; with as many busy workers as cores, the kernel would otherwise share
// the cores evenly and a short call would wait behind a long one's time slices.

import os from 'node:os';

/**
 * Lowers the calling thread's scheduling priority by `steps` nice values from the one it started with (a new
 * thread starts with its creator's, here the HTTP thread's), up to 19, the lowest. Linux keeps a nice value per
 * thread, and setpriority(2) on "process" 0 changes the caller's alone; elsewhere it would change the whole
 * process, the HTTP thread included, so nothing is done there.
 */
export function lowerThreadPriority(steps: number): void {
  if (steps <= 0 || process.platform !== 'linux') return;
  try {
    // Relative, never absolute: a host started at nice 15 asking for 10 must not raise its workers (as root could).
    os.setPriority(Math.min(19, os.getPriority() + steps));
  } catch {
    // A sandbox (seccomp, a container's policy) may refuse it; the worker runs at the HTTP thread's priority then.
  }
}
