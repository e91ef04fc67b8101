// The one error type of the host: a stable machine-readable code, its HTTP status, optional details.

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
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
  unavailable: 503,
  timeout: 504,
  fuel_exhausted: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface WasmfnErrorOptions {
  details?: string[];
  /** Seconds a client should wait before retrying; sent as `Retry-After`. */
  retryAfterS?: number;
  /**
   * The answer ends the connection (`Connection: close`): the request was refused before its body was all read,
   * so what follows on the connection is not the start of another request.
   */
  closeConnection?: boolean;
}

export class WasmfnError extends Error {
  readonly code: ErrorCode;
  readonly details?: string[];
  readonly retryAfterS?: number;
  readonly closeConnection?: boolean;

  constructor(code: ErrorCode, message: string, opts: WasmfnErrorOptions = {}) {
    super(message);
    this.name = 'WasmfnError';
    this.code = code;
    if (opts.details) this.details = opts.details;
    if (opts.retryAfterS !== undefined) this.retryAfterS = opts.retryAfterS;
    if (opts.closeConnection) this.closeConnection = true;
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
      ...(this.closeConnection ? { closeConnection: true } : {}),
    };
  }

  static from(e: SerializedError): WasmfnError {
    return new WasmfnError(e.code, e.message, e);
  }

  /** The same error, answered with `Connection: close`. */
  closingConnection(): WasmfnError {
    return WasmfnError.from({ ...this.toJSON(), closeConnection: true });
  }
}

export interface SerializedError extends WasmfnErrorOptions {
  code: ErrorCode;
  message: string;
}
