// The one error type of the host: a stable machine-readable code, its HTTP status, optional details.

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  function_not_found: 404,
  version_not_found: 404,
  payload_too_large: 413,
  invalid_module: 422,
  trap: 500,
  memory_limit: 500,
  nonzero_exit: 500,
  internal: 500,
  bad_gateway: 502,
  response_too_large: 502,
  overloaded: 503,
  timeout: 504,
  fuel_exhausted: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class WasmfnError extends Error {
  readonly code: ErrorCode;
  readonly details?: string[];
  /** Seconds a client should wait before retrying; sent as `Retry-After`. */
  readonly retryAfterS?: number;

  constructor(code: ErrorCode, message: string, opts: { details?: string[]; retryAfterS?: number } = {}) {
    super(message);
    this.name = 'WasmfnError';
    this.code = code;
    if (opts.details) this.details = opts.details;
    if (opts.retryAfterS !== undefined) this.retryAfterS = opts.retryAfterS;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** Plain form that survives postMessage between threads and JSON. */
  toJSON(): SerializedError {
    return {
      code: this.code, message: this.message,
      ...(this.details ? { details: this.details } : {}),
      ...(this.retryAfterS !== undefined ? { retryAfterS: this.retryAfterS } : {}),
    };
  }

  static from(e: SerializedError): WasmfnError {
    return new WasmfnError(e.code, e.message, {
      ...(e.details ? { details: e.details } : {}),
      ...(e.retryAfterS !== undefined ? { retryAfterS: e.retryAfterS } : {}),
    });
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: string[];
  retryAfterS?: number;
}
