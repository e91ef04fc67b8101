// The WAGI ABI: a WASI command gets the request as CGI variables, argv and stdin, and answers on stdout.

import type { InvokeFn } from './runtime.js';
import { WASI_MODULE } from './detect.js';
import { WasmfnError } from '../errors.js';
import { Wasi, type Preopen } from './wasi/preview1.js';
import { ByteBudget, MemoryFs } from './wasi/fs/memory-fs.js';
import type { GuestRequest, StaticFile } from './types.js';
import { importNamespace } from './import-object.js';
import { MAX_HEADER_BLOCK_BYTES, parseCgiResponse } from './wagi-response.js';

/**
 * The guest's environment. Precedence, lowest first: request headers (`HTTP_*`), the function's configured env,
 * then the CGI meta-variables, so a client cannot override configuration and configuration cannot break the protocol.
 */
export function cgiEnv(req: GuestRequest): string[] {
  const vars = new Map<string, string>();
  for (const [name, value] of req.headers) {
    // "X_Forwarded_For" would become the same variable as the "X-Forwarded-For" a proxy sets, and be read as it:
    // names with "_" are dropped, as Apache and nginx drop them. (The other ABIs hand names over as they came, so
    // the two stay apart there.)
    if (name.includes('_')) continue;
    const key = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    // "httpoxy": a client's `Proxy:` header must not become the HTTP_PROXY that HTTP libraries obey.
    if (key === 'HTTP_PROXY') continue;
    const prev = vars.get(key);
    vars.set(key, prev === undefined ? value : `${prev}${key === 'HTTP_COOKIE' ? '; ' : ', '}${value}`);
  }
  for (const [key, value] of Object.entries(req.fn.env)) vars.set(key, value);

  const contentType = req.headers.find(([n]) => n === 'content-type')?.[1] ?? '';
  const { server } = req;
  const meta: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'wasmfn',
    REQUEST_METHOD: req.method,
    SCRIPT_NAME: `/fn/${req.fn.name}`,
    PATH_INFO: req.path,
    PATH_TRANSLATED: req.path,
    QUERY_STRING: req.query,
    CONTENT_TYPE: contentType,
    CONTENT_LENGTH: String(req.body.length),
    SERVER_NAME: server.host,
    SERVER_PORT: String(server.port),
    SERVER_PROTOCOL: server.protocol,
    REMOTE_ADDR: server.remoteAddr,
    REMOTE_HOST: server.remoteAddr,
    X_FULL_URL: server.fullUrl,
    X_MATCHED_ROUTE: server.matchedRoute,
  };
  for (const [key, value] of Object.entries(meta)) vars.set(key, value);

  const entries: string[] = [];
  for (const [key, value] of vars) {
    // C strings end at NUL and names end at '=': such entries cannot be represented, so they are left out.
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) continue;
    entries.push(`${key}=${value}`);
  }
  return entries;
}

/**
 * argv as WAGI and Spin build it: the program name, then the raw query split on '&' (not URL-decoded, so
 * `?a=1&b=x%20y` gives "a=1" and "b=x%20y"). WAGI uses the request path as argv[0]; here it is the function name.
 */
export function cgiArgs(req: GuestRequest): string[] {
  const args = [req.fn.name];
  if (req.query !== '') args.push(...req.query.split('&').filter((a) => !a.includes('\0')));
  return args;
}

/** One read-only tree per version's file list and thread: it never changes, so every call shares it. */
const roots = new WeakMap<readonly StaticFile[], MemoryFs>();
const NO_FILES: readonly StaticFile[] = [];

/** The deploy's files at `/` (read-only) and an empty `/tmp` of this call's own, within its byte limit. */
function preopens(fn: GuestRequest['fn']): Preopen[] {
  if (fn.tmpLimitBytes === undefined) return [];
  const files = fn.files ?? NO_FILES;
  let root = roots.get(files);
  if (root === undefined) roots.set(files, (root = MemoryFs.fromFiles(files, ['tmp'])));
  return [
    { guestPath: '/', fs: root },
    { guestPath: '/tmp', fs: new MemoryFs(false, new ByteBudget(fn.tmpLimitBytes)) },
  ];
}

export const invokeWagi: InvokeFn = (ctx) => {
  const request = ctx.request.decoded();
  const wasi = new Wasi({
    memory: ctx.memory,
    args: cgiArgs(request),
    env: cgiEnv(request),
    stdin: request.body,
    stdoutLimitBytes: ctx.maxResponseBytes + MAX_HEADER_BLOCK_BYTES,
    onStderrLine: (line) => ctx.log('info', line),
    preopens: preopens(request.fn),
  });
  // Instantiation is inside run(): a start function may already call proc_exit.
  const outcome = wasi.run(() => {
    const instance = new WebAssembly.Instance(ctx.module, importNamespace({
      ...ctx.runtimeImports,
      env: importNamespace({ memory: ctx.memory }),
      [WASI_MODULE]: wasi.imports,
    }) as WebAssembly.Imports);
    ctx.markInstantiated(instance);
    const start = instance.exports['_start'];
    if (typeof start !== 'function') throw new WasmfnError('invalid_module', 'a WAGI module must export a "_start" function');
    (start as () => void)();
  });
  // Whatever stdout holds is never served unless the guest finished cleanly.
  if (outcome.kind === 'stdout_overflow') {
    throw new WasmfnError('response_too_large', `stdout passed ${ctx.maxResponseBytes} bytes of body plus ${MAX_HEADER_BLOCK_BYTES} of headers`);
  }
  if (outcome.code !== 0) throw new WasmfnError('nonzero_exit', `exit code ${outcome.code}`);
  return parseCgiResponse(wasi.stdout.bytes(), ctx.maxResponseBytes, ctx.copyOut);
};
