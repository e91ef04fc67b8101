// Logging through the host: one UTF-8 line per call, with a level the host maps to its logger.

import { host_log } from "./wire";

export namespace log {
  export function debug(message: string): void { write(0, message); }
  export function info(message: string): void { write(1, message); }
  export function warn(message: string): void { write(2, message); }
  export function error(message: string): void { write(3, message); }
}

function write(level: i32, message: string): void {
  const buf = String.UTF8.encode(message);
  host_log(level, changetype<usize>(buf), buf.byteLength);
}
