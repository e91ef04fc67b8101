// Calls to the host's admin API with the token kept in sessionStorage; every failure is an ApiError with the
// host's error code.

const TOKEN_KEY = 'wasmfn.token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: string[] = []) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;

/** Called whenever the host answers 401, so the page can ask for the token again. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function authHeaders(extra?: HeadersInit): Headers {
  const h = new Headers(extra);
  h.set('authorization', `Bearer ${getToken() ?? ''}`);
  return h;
}

export async function errorFrom(res: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; details?: unknown } } | null = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const e = body?.error;
  const details = Array.isArray(e?.details) ? e.details.map(String) : [];
  return new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? (res.statusText || `HTTP ${res.status}`), details);
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: authHeaders(init.headers), credentials: 'same-origin' });
  if (!res.ok) {
    const err = await errorFrom(res);
    if (res.status === 401) onUnauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** True when the route exists: a 404 `not_found` (no such route) means the host does not have that feature. */
export function isMissingRoute(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && e.code === 'not_found';
}

export const enc = encodeURIComponent;
