// HTTP client the CLI uses to talk to a running host's API.

import { readToken } from '../token.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: string[]) {
    super(message);
  }
}

export interface ClientOptions {
  url: string;
  dataDir: string;
}

export class ApiClient {
  private tokenCache: string | null | undefined;

  constructor(readonly opts: ClientOptions) {}

  private async token(): Promise<string> {
    if (this.tokenCache === undefined) this.tokenCache = await readToken(this.opts.dataDir);
    if (!this.tokenCache) {
      throw new ApiError(0, 'no_token', `no admin token: set WASMFN_TOKEN or pass --data-dir (looked in ${this.opts.dataDir})`);
    }
    return this.tokenCache;
  }

  /** Calls the admin API; a non-2xx answer becomes an ApiError with the host's code and message. */
  async api(method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
    const auth = { authorization: `Bearer ${await this.token()}` };
    return this.raw(method, path, body, { ...headers, ...auth });
  }

  async json<T>(method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.api(method, path, body, headers);
    return (res.status === 204 ? null : await res.json()) as T;
  }

  async raw(method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}, okOnly = true): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.opts.url), { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      throw new ApiError(0, 'unreachable', `cannot reach the host at ${this.opts.url}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    if (okOnly && !res.ok) throw await toApiError(res);
    return res;
  }
}

export async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: string[] } };
    return new ApiError(res.status, error.code, error.message, error.details);
  } catch {
    return new ApiError(res.status, 'http_error', `HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
}
