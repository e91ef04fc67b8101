// X-Callback-Url: where the result of a finished invocation is POSTed. Only hosts the operator allowed
// (WASMFN_CALLBACK_HOSTS), so a caller cannot make the host send requests into its own network. A callback that
// fails is retried a few times and logged; it never changes the invocation's outcome.

import { WasmfnError } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { invocationView, type InvocationState } from './invocation.js';

const ATTEMPTS = 3;
const FIRST_DELAY_MS = 500;
const TIMEOUT_MS = 10_000;

/** Checks a callback URL against the allowed host:port patterns (`*` matches any run of characters). */
export function checkCallbackUrl(raw: string, patterns: readonly string[]): string {
  if (patterns.length === 0) throw new WasmfnError('bad_request', 'X-Callback-Url is not accepted: this host allows no callback hosts (WASMFN_CALLBACK_HOSTS)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WasmfnError('bad_request', 'X-Callback-Url is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WasmfnError('bad_request', 'X-Callback-Url must be http or https');
  if (url.username || url.password) throw new WasmfnError('bad_request', 'X-Callback-Url must not carry credentials');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const target = `${url.hostname.toLowerCase()}:${port}`;
  if (!patterns.some((p) => globMatch(p.toLowerCase(), target))) {
    throw new WasmfnError('bad_request', `X-Callback-Url host ${target} is not in WASMFN_CALLBACK_HOSTS`);
  }
  return url.toString();
}

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

export class Callbacks {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Sends in the background; close() waits for what is under way. */
  send(s: InvocationState): void {
    if (!s.callbackUrl) return;
    const p = this.deliver(s.callbackUrl, s).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async deliver(url: string, s: InvocationState): Promise<void> {
    const body = JSON.stringify(invocationView(s));
    let last = '';
    for (let i = 0; i < ATTEMPTS; i++) {
      if (i) await new Promise((r) => setTimeout(r, FIRST_DELAY_MS * 2 ** (i - 1)));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-wasmfn-invocation-id': s.id, 'x-wasmfn-status': s.status },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) return;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = (e as Error).message;
      }
    }
    this.log.warn({ event: 'callback_failed', invocation: s.id, function: s.function, url, reason: last }, `callback for invocation ${s.id} failed after ${ATTEMPTS} attempts: ${last}`);
  }
}
