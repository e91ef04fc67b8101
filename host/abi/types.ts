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
  /** Facts about the call that some ABIs expose (WAGI's CGI variables). */
  fn: { name: string; version: string; env: Record<string, string> };
  server: { host: string; port: number; protocol: string; remoteAddr: string; fullUrl: string; matchedRoute: string };
}

export interface GuestResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
