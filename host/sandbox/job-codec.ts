// A job as it crosses to a worker: written once by the main thread into shared memory, in a layout whose middle
// part is exactly the SDK wire encoding, so an SDK guest gets its request with a single copy and no decoding.
//
//   u32 job id | f64 enqueued at (sharedNow) | f64 received at (sharedNow) | u32 module id | str request id
//   str remote address | u32 body length
//   u32 wire length | wire: str method, str path, str query, u32 header count, (str name, str value)*, bytes body
//
// Strings are written latin1: Node builds URL and header strings one byte per character, so this restores the
// bytes that arrived. Header names are lower-cased in place.

import type { GuestRequest, RequestSource, StaticFile } from '../abi/types.js';
import { decodeRequestWire } from '../abi/sdk-wire.js';
import { ByteWriter, RecordReader } from './bytes.js';

/** What the HTTP layer hands the pool for one invocation. */
export interface JobInput {
  method: string;
  /** After /fn/<name>, starting with "/". */
  path: string;
  /** Raw query string without the "?". */
  query: string;
  /** As Node gives them: name, value, name, value, ... */
  rawHeaders: readonly string[];
  body: Uint8Array;
  /** The client's address (WAGI's REMOTE_ADDR). */
  remoteAddr: string;
  /** For the invocation log line, which the worker writes. */
  requestId: string;
  /** When the route got the request (sharedNow), for the line's totalMs. */
  receivedAt: number;
}

/** Exact bytes encodeWire() writes, its length prefix included: every string is one byte per character. */
export function wireBytes(input: JobInput): number {
  let n = 4 + 12 + input.method.length + input.path.length + input.query.length + 4;
  const h = input.rawHeaders;
  for (let i = 0; i < h.length; i++) n += 4 + h[i]!.length;
  return n + 4 + input.body.length;
}

/** Exact bytes encodeJob() writes. */
export function jobBytes(input: JobInput): number {
  return 4 + 8 + 8 + 4 + 4 + input.requestId.length + 4 + input.remoteAddr.length + 4 + wireBytes(input);
}

export function encodeJob(w: ByteWriter, jobId: number, enqueuedAt: number, moduleId: number, input: JobInput): void {
  w.u32(jobId);
  w.f64(enqueuedAt);
  w.f64(input.receivedAt);
  w.u32(moduleId);
  w.latin1(input.requestId);
  w.latin1(input.remoteAddr);
  w.u32(input.body.length);
  encodeWire(w, input);
}

/** The request's SDK wire, length-prefixed: the part of a job a guest reads as it is. */
export function encodeWire(w: ByteWriter, input: JobInput): void {
  const lengthAt = w.off;
  w.u32(0);
  w.latin1(input.method);
  w.latin1(input.path);
  w.latin1(input.query);
  const h = input.rawHeaders;
  w.u32(h.length >> 1);
  const buf = w.buf;
  for (let i = 0; i + 1 < h.length; i += 2) {
    w.latin1(h[i]!);
    for (let j = w.off - h[i]!.length; j < w.off; j++) {
      const c = buf[j]!;
      if (c >= 65 && c <= 90) buf[j] = c + 32;
    }
    w.latin1(h[i + 1]!);
  }
  w.bytes(input.body);
  buf.writeUInt32LE(w.off - lengthAt - 4, lengthAt);
}

/**
 * The job a thread runs itself (the HTTP thread's inline run): what decodeJob would read back from encodeJob's bytes,
 * with only the wire encoded, into `buf` (at least wireBytes(input) long); the other fields are at hand already.
 */
export function localJob(buf: Buffer, enqueuedAt: number, input: JobInput): JobView {
  const w = new ByteWriter(buf, 0, buf.length);
  encodeWire(w, input);
  return {
    jobId: 0, enqueuedAt, receivedAt: input.receivedAt, moduleId: 0, requestId: input.requestId, remoteAddr: input.remoteAddr,
    bodyBytes: input.body.length, wire: buf.subarray(4, w.off),
  };
}

/** What a worker reads back; `wire` is a view, valid while the job's slot is RUNNING. */
export interface JobView {
  jobId: number;
  enqueuedAt: number;
  receivedAt: number;
  moduleId: number;
  requestId: string;
  remoteAddr: string;
  bodyBytes: number;
  wire: Buffer;
}

export function decodeJob(buf: Buffer): JobView {
  const r = new RecordReader(buf);
  const jobId = r.u32();
  const enqueuedAt = r.f64();
  const receivedAt = r.f64();
  const moduleId = r.u32();
  const requestId = r.latin1();
  const remoteAddr = r.latin1();
  const bodyBytes = r.u32();
  const wire = r.bytes();
  return { jobId, enqueuedAt, receivedAt, moduleId, requestId, remoteAddr, bodyBytes, wire };
}

/** Facts about the function a worker keeps with its module, for the decoded request. */
export interface FunctionFacts {
  name: string;
  version: string;
  env: Record<string, string>;
  /** Static files shipped with the deploy (WASI guests see them under `/`). */
  files?: readonly StaticFile[];
  /** Bytes a call's in-memory /tmp may hold. */
  tmpLimitBytes?: number;
  /** Variables and opened secrets: kept in memory only. */
  config?: Record<string, string>;
}

/** Method and path of a job's wire as views of its bytes, for its log line, without decoding the headers. */
export function wireMethodPathBytes(wire: Buffer): { method: Buffer; path: Buffer } {
  const m = wire.readUInt32LE(0);
  const p = wire.readUInt32LE(4 + m);
  return { method: wire.subarray(4, 4 + m), path: wire.subarray(8 + m, 8 + m + p) };
}

/** The same as strings. */
export function wireMethodPath(wire: Buffer): { method: string; path: string } {
  const { method, path } = wireMethodPathBytes(wire);
  return { method: method.toString('latin1'), path: path.toString('latin1') };
}

/** The RequestSource over a job: the SDK copies `wire` as is; WAGI decodes it on demand, the loader takes only the body. */
export function jobRequest(job: JobView, fn: FunctionFacts): RequestSource {
  let decoded: GuestRequest | null = null;
  const decode = (): GuestRequest => (decoded ??= guestRequest(job, fn));
  return {
    wireLength: job.wire.length,
    writeWire: (dest, at) => dest.set(job.wire, at),
    // The body ends the wire: the loader ABI, which reads nothing else, decodes no header for it.
    get body() {
      return job.wire.subarray(job.wire.length - job.bodyBytes);
    },
    decoded: decode,
    config: () => fn.config ?? {},
  };
}

/**
 * A RequestSource over a request given already decoded, for tests and benchmarks that run the ABIs directly: its
 * wire is what encodeJob writes for it, so the guest sees the bytes the host would send (strings one byte per
 * character, header names lower-cased).
 */
export function requestSource(req: GuestRequest): RequestSource {
  let wire: Buffer | null = null;
  const encoded = (): Buffer => (wire ??= wireOf(req));
  return {
    get wireLength() {
      return encoded().length;
    },
    writeWire: (dest, at) => dest.set(encoded(), at),
    body: req.body,
    decoded: () => req,
    config: () => req.fn.config ?? {},
  };
}

function wireOf(req: GuestRequest): Buffer {
  const input: JobInput = {
    method: req.method, path: req.path, query: req.query, rawHeaders: req.headers.flat(), body: req.body,
    remoteAddr: req.server.remoteAddr, requestId: '', receivedAt: 0,
  };
  const size = jobBytes(input);
  const buf = Buffer.alloc(size);
  encodeJob(new ByteWriter(buf, 0, size), 0, 0, 0, input);
  return decodeJob(buf).wire;
}

function guestRequest(job: JobView, fn: FunctionFacts): GuestRequest {
  const { method, path, query, headers, body } = decodeRequestWire(job.wire);
  const hostHeader = headers.find(([n]) => n === 'host')?.[1] ?? '';
  const { host, port } = splitHost(hostHeader);
  const route = `/fn/${fn.name}`;
  return {
    method,
    path,
    query,
    headers,
    body,
    fn,
    server: {
      host,
      port,
      protocol: 'HTTP/1.1',
      remoteAddr: job.remoteAddr,
      fullUrl: `http://${hostHeader || 'localhost'}${route}${path === '/' ? '' : path}${query ? `?${query}` : ''}`,
      matchedRoute: route,
    },
  };
}

/** "example.com:8080", "[::1]:8080" or "example.com" into name (IPv6 keeps its brackets, as URL.hostname does) and port (80 when absent). */
export function splitHost(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(value);
  if (!m) return { host: value, port: 80 };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 80 };
}
