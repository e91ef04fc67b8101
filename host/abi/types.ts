// Shapes shared by every guest ABI: the request a guest sees and the response it gives back.

export type AbiName = 'sdk' | 'loader' | 'wagi';
export const ABI_NAMES: readonly AbiName[] = ['sdk', 'loader', 'wagi'];

/** What reaches a guest; built by the HTTP layer, posted to a worker as is (plain data only). */
export interface GuestRequest {
  method: string;
  /** Path after the function name, always starting with "/". */
  path: string;
  /** Raw query string without the leading "?". */
  query: string;
  /** Header names lower-cased, in arrival order. */
  headers: [string, string][];
  body: Uint8Array;
  /** Facts about the call that some ABIs expose (WAGI's CGI variables, the deploy's files). */
  fn: { name: string; version: string; env: Record<string, string>; files?: readonly StaticFile[]; tmpLimitBytes?: number };
  server: { host: string; port: number; protocol: string; remoteAddr: string; fullUrl: string; matchedRoute: string };
}

/**
 * The request as a guest ABI reads it. The SDK ABI copies the wire bytes into guest memory as they are (in the
 * host they sit in memory shared with the main thread, encoded once there); WAGI and the loader use the decoded
 * form, built on first use.
 */
export interface RequestSource {
  /** Bytes of the request in the SDK wire encoding (functions/sdk/README.md). */
  readonly wireLength: number;
  /** Copies the wire bytes into `dest` at `at`; the caller has checked that they fit. */
  writeWire(dest: Uint8Array, at: number): void;
  readonly body: Uint8Array;
  decoded(): GuestRequest;
}

/** A file shipped with a deploy, seen by WASI guests under `/`. */
export interface StaticFile {
  /** Relative, `/`-separated, without `.` or `..` components. */
  path: string;
  data: Uint8Array;
}

export interface GuestResponse {
  status: number;
  headers: [string, string][];
  /** May be a view into a buffer the sandbox reuses: valid until the next run on the same thread. */
  body: Uint8Array;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
