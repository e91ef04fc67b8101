// Worker threads step back for the HTTP thread when the cores are short. The HTTP thread admits, routes and answers
// every call and runs the short ones itself; with as many busy workers as cores, the kernel would otherwise share
// the cores evenly and a short call would wait behind a long one's time slices.

import os from 'node:os';

/**
 * Lowers the calling thread's scheduling priority to `nice`. Linux keeps a nice value per thread, and
 * setpriority(2) on "process" 0 changes the caller's alone; elsewhere it would change the whole process, the HTTP
 * thread included, so nothing is done there. Returns whether the value was applied.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (nice <= 0 || process.platform !== 'linux') return false;
  try {
    os.setPriority(nice);
    return true;
  } catch {
    // A sandbox (seccomp, a container's policy) may refuse it; the worker runs at the HTTP thread's priority then.
    return false;
  }
}
