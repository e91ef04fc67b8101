// What a capability call (key-value, outbound HTTP, config) answers a guest when it fails: a negative i32 code
// returned by the import and a message the guest can read with result_read. Stable: guests in every language
// compare against these numbers (functions/sdk/README.md, functions/sdk-c/wasmfn.h).

export const CAP_ERRORS = {
  not_found: -1,
  denied: -2,
  key_too_large: -3,
  value_too_large: -4,
  too_many_calls: -5,
  store_full: -6,
  invalid: -7,
  not_a_number: -8,
  fetch_failed: -9,
  response_too_large: -10,
  unavailable: -11,
  timeout: -12,
} as const;

export type CapErrorCode = keyof typeof CAP_ERRORS;

/** A capability failure: crosses threads as plain data, reaches the guest as its code and message. */
export interface CapFailure {
  code: CapErrorCode;
  message: string;
}

export class CapabilityError extends Error {
  constructor(readonly code: CapErrorCode, message: string) {
    super(message);
    this.name = 'CapabilityError';
  }

  toJSON(): CapFailure {
    return { code: this.code, message: this.message };
  }
}
