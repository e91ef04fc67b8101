// Shared by the capability APIs (kv, http, config): the last call's result and error (README.md, "Capabilities").

@external("wasmfn", "result_len")
export declare function result_len(): i32;

@external("wasmfn", "result_read")
export declare function result_read(ptr: usize): void;

/** Codes a capability call returns when it fails; 0 after a call that succeeded. */
export class CapError {
  static readonly NONE: i32 = 0;
  static readonly NOT_FOUND: i32 = -1;
  static readonly DENIED: i32 = -2;
  static readonly KEY_TOO_LARGE: i32 = -3;
  static readonly VALUE_TOO_LARGE: i32 = -4;
  static readonly TOO_MANY_CALLS: i32 = -5;
  static readonly STORE_FULL: i32 = -6;
  static readonly INVALID: i32 = -7;
  static readonly NOT_A_NUMBER: i32 = -8;
  static readonly FETCH_FAILED: i32 = -9;
  static readonly RESPONSE_TOO_LARGE: i32 = -10;
  static readonly UNAVAILABLE: i32 = -11;
  static readonly TIMEOUT: i32 = -12;
}

let lastCode: i32 = 0;
let lastMessage: string = "";

/** The code of the last capability call: 0 when it succeeded, a CapError value when not. */
export function lastError(): i32 {
  return lastCode;
}

/** "code: message" of the last failed capability call ("" after a success). */
export function lastErrorMessage(): string {
  return lastMessage;
}

/** Records a call's return: a negative one as the error (its message read from the result), else none. */
export function settle(ret: i32): i32 {
  if (ret < 0) {
    lastCode = ret;
    lastMessage = String.UTF8.decode(resultBuffer());
  } else {
    lastCode = 0;
    lastMessage = "";
  }
  return ret;
}

/** The result of the last call, copied into a fresh buffer. */
export function resultBuffer(): ArrayBuffer {
  const len = result_len();
  const buf = new ArrayBuffer(len);
  if (len > 0) result_read(changetype<usize>(buf));
  return buf;
}

/** A string as UTF-8 bytes, and where they are, for passing to an import. */
export class Utf8 {
  buf: ArrayBuffer;
  constructor(s: string) {
    this.buf = String.UTF8.encode(s);
  }
  get ptr(): usize {
    return changetype<usize>(this.buf);
  }
  get len(): i32 {
    return this.buf.byteLength;
  }
}
