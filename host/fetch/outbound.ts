// One outbound HTTP request of a guest, done on the main thread with Node's http/https: only to allowed origins,
// redirects followed only to allowed origins, restricted addresses refused at connect time, the response capped,
// the whole within the time the invocation has left.

import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { CapabilityError } from '../abi/capability-codes.js';
import type { FetchReply } from '../abi/capability-bridge.js';
import { matchOrigin, type AllowedOrigin } from '../store/allowed-hosts.js';
import { isMetadataName, restrictedAddress } from './address-policy.js';

/** Outbound requests per invocation. */
export const MAX_FETCHES = 50;
export const MAX_REDIRECTS = 5;
const METHOD_RE = /^[A-Z]{1,16}$/;
/** Set by the host, never by the guest. */
const HOST_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']);

export interface FetchPolicy {
  allowed: readonly AllowedOrigin[];
  maxResponseBytes: number;
}

export interface FetchRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
}

/** What the invocation's log entry and server-timing show of one request. */
export interface FetchRecord {
  method: string;
  origin: string;
  status: number | null;
  ms: number;
  error?: string;
}

export async function outboundFetch(req: FetchRequest, policy: FetchPolicy, timeLeftMs: number, record: (r: FetchRecord) => void): Promise<FetchReply> {
  const t0 = performance.now();
  let method = req.method.toUpperCase();
  let origin = '';
  try {
    if (!METHOD_RE.test(method)) throw new CapabilityError('invalid', `invalid method "${req.method.slice(0, 20)}"`);
    let url = parseUrl(req.url);
    origin = url.origin;
    let body = req.body;
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(timeLeftMs)));
    for (let hop = 0; ; hop++) {
      const entry = matchOrigin(policy.allowed, url);
      if (!entry) {
        throw new CapabilityError('denied', `${hop ? 'redirect to ' : ''}origin ${url.origin} is not in the function's allowedHosts`);
      }
      const reply = await send(method, url, req.headers, body, literal(entry, url), policy.maxResponseBytes, signal);
      const location = reply.headers.find(([n]) => n === 'location')?.[1];
      if (![301, 302, 303, 307, 308].includes(reply.status) || location === undefined) {
        record({ method: req.method.toUpperCase(), origin: url.origin, status: reply.status, ms: performance.now() - t0 });
        return reply;
      }
      if (hop >= MAX_REDIRECTS) throw new CapabilityError('fetch_failed', `more than ${MAX_REDIRECTS} redirects`);
      url = parseUrl(new URL(location, url).href);
      origin = url.origin;
      if (reply.status === 303 || ((reply.status === 301 || reply.status === 302) && method === 'POST')) {
        method = 'GET';
        body = new Uint8Array(0);
      }
    }
  } catch (e) {
    const err = asCapabilityError(e, timeLeftMs);
    record({ method: req.method.toUpperCase().slice(0, 16), origin, status: null, ms: performance.now() - t0, error: err.code });
    throw err;
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CapabilityError('invalid', `invalid URL "${text.slice(0, 200)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CapabilityError('denied', `scheme ${url.protocol} is not allowed`);
  if (url.username || url.password) throw new CapabilityError('invalid', 'URLs with credentials are refused');
  return url;
}

/** The entry names this very host (not by wildcard): then a loopback, link-local or metadata address is allowed. */
function literal(entry: AllowedOrigin, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return !entry.wildcardHost && entry.host === host && (net.isIP(host.replace(/^\[|\]$/g, '')) !== 0 || host === 'localhost' || isMetadataName(host));
}

/** dns.lookup, refusing restricted addresses unless the allowed entry named the host literally. */
function guardedLookup(allowRestricted: boolean, host: string): LookupFunction {
  return (hostname, options, callback) => {
    if (!allowRestricted && isMetadataName(host)) {
      callback(new CapabilityError('denied', `${host} is a metadata service`), '', 4);
      return;
    }
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      if (!allowRestricted) {
        for (const a of list) {
          const why = restrictedAddress(a.address);
          if (why) return callback(new CapabilityError('denied', `${host} resolves to a ${why} address (${a.address}); name it literally in allowedHosts to allow it`), '', 4);
        }
      }
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

function send(method: string, url: URL, headers: [string, string][], body: Uint8Array, allowRestricted: boolean, cap: number, signal: AbortSignal): Promise<FetchReply> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowRestricted && net.isIP(host)) {
    const why = restrictedAddress(host);
    if (why) return Promise.reject(new CapabilityError('denied', `${host} is a ${why} address; name it literally in allowedHosts to allow it`));
  }
  const out: Record<string, string[]> = {};
  for (const [n, v] of headers) {
    const name = n.toLowerCase();
    if (HOST_HEADERS.has(name)) continue;
    (out[name] ??= []).push(v);
  }
  if (body.byteLength || !['GET', 'HEAD'].includes(method)) out['content-length'] = [String(body.byteLength)];
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<FetchReply>((resolve, reject) => {
    let r: http.ClientRequest;
    try {
      r = lib.request(url, { method, headers: out, signal, lookup: guardedLookup(allowRestricted, host), agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > cap) {
            res.destroy(new CapabilityError('response_too_large', `the response is over the limit of ${cap} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const hs: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) hs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
          resolve({ status: res.statusCode ?? 0, headers: hs, body: Buffer.concat(chunks) });
        });
      });
    } catch (e) {
      reject(e);
      return;
    }
    r.on('error', reject);
    r.end(body.byteLength ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined);
  });
}

function asCapabilityError(e: unknown, timeLeftMs: number): CapabilityError {
  if (e instanceof CapabilityError) return e;
  const err = e as Error & { code?: string; cause?: unknown };
  if (err.cause instanceof CapabilityError) return err.cause;
  if (err.name === 'AbortError' || err.name === 'TimeoutError' || err.code === 'ABORT_ERR') {
    return new CapabilityError('timeout', `no response within the ${Math.round(timeLeftMs)} ms the invocation had left`);
  }
  return new CapabilityError('fetch_failed', `request failed: ${err.message}`);
}
