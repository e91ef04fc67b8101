// The process's own stdin, stdout and stderr as a WASI guest's streams, read and written synchronously from its
// thread (a guest's read or write is a blocking call).

import fs from 'node:fs';
import type { WasiStreams } from '../../abi/wasi/preview1.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Retries while a non-blocking descriptor is not ready, so nothing a guest writes is lost. */
function retrying<T>(f: () => T): T {
  for (;;) {
    try {
      return f();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

function writeAll(fd: number, src: Uint8Array): void {
  let at = 0;
  while (at < src.length) at += retrying(() => fs.writeSync(fd, src, at, src.length - at));
}

export function processStreams(): WasiStreams {
  let ended = false;
  return {
    stdin: {
      readInto(dest, at, len) {
        if (ended || len === 0) return 0;
        try {
          const n = retrying(() => fs.readSync(0, dest, at, len, null));
          if (n === 0) ended = true;
          return n;
        } catch (e) {
          // No stdin at all (closed, or a terminal gone): the guest reads end of file.
          if ((e as NodeJS.ErrnoException).code === 'EOF' || (e as NodeJS.ErrnoException).code === 'EBADF') return 0;
          throw e;
        }
      },
      // Unknown for a pipe or terminal; poll_oneoff reports the fd ready with 0 bytes.
      remaining: 0,
    },
    stdout: {
      write(src) {
        writeAll(1, src);
        return true;
      },
    },
    stderr: {
      write(src) {
        writeAll(2, src);
      },
      flush() {},
    },
  };
}
