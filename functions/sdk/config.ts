// The function's variables and secrets from its deploy config.

import { settle, resultBuffer, Utf8 } from "./capability";

@external("wasmfn", "config_get")
declare function config_get(np: usize, nl: i32): i32;

export class config {
  /** The value of a variable or secret, or null when the config has none of that name. */
  static get(name: string): string | null {
    const n = new Utf8(name);
    if (settle(config_get(n.ptr, n.len)) < 0) return null;
    return String.UTF8.decode(resultBuffer());
  }
}
