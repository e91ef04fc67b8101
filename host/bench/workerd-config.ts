// What the workerd contender serves: an ES module worker that instantiates the loader-form greet module per
// request, and the capnp config that binds it to a loopback port, both written into a directory at run time.

import fs from 'node:fs/promises';
import path from 'node:path';

/** Any date the pinned workerd supports; the worker uses nothing that depends on it. */
export const COMPATIBILITY_DATE = '2025-01-01';
export const WASM_MODULE_NAME = 'bench-greet.wasm';

/**
 * The worker. The module is compiled once, when workerd loads the worker (a `wasm` module import); each request
 * gets a new Instance and its own memory, as in wasmfn. Strings cross the way @assemblyscript/loader carries them
 * (`__newString`, `__getString`), written out here because the loader package is not inside workerd: the body is
 * allocated as a String with the guest's `__new(len << 1, 2)` and written as UTF-16, and the result is read from
 * the byte length in its header at ptr - 4.
 */
export const WORKER_JS = `import greet from "./${WASM_MODULE_NAME}";

const STRING_ID = 2;
const CHUNK = 1024;

function abort(msg, file, line, column) {
  throw new Error("abort called at " + line + ":" + column);
}

function lowerString(exports, text) {
  const ptr = exports.__new(text.length << 1, STRING_ID) >>> 0;
  const u16 = new Uint16Array(exports.memory.buffer);
  for (let i = 0, p = ptr >>> 1; i < text.length; ++i) u16[p + i] = text.charCodeAt(i);
  return ptr;
}

function liftString(exports, ptr) {
  ptr >>>= 0;
  if (ptr === 0) return "";
  const buffer = exports.memory.buffer;
  const u32 = new Uint32Array(buffer);
  if (u32[(ptr - 8) >>> 2] !== STRING_ID) throw new Error("handle() did not return a string");
  const units = new Uint16Array(buffer, ptr, u32[(ptr - 4) >>> 2] >>> 1);
  let out = "";
  for (let i = 0; i < units.length; i += CHUNK) out += String.fromCharCode.apply(null, units.subarray(i, i + CHUNK));
  return out;
}

export default {
  async fetch(request) {
    const body = await request.text();
    const exports = new WebAssembly.Instance(greet, { env: { abort } }).exports;
    const text = liftString(exports, exports.handle(lowerString(exports, body)));
    return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
  },
};
`;

/** capnp text: one worker service, one HTTP socket on the given loopback port. */
export function workerdConfig(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "greet", worker = .greetWorker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "greet")],
);

const greetWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "${WASM_MODULE_NAME}", wasm = embed "${WASM_MODULE_NAME}"),
  ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
);
`;
}

/** Writes the config, the worker and the module into `dir`; returns the config's path. */
export async function writeWorkerdFiles(dir: string, port: number, wasm: Uint8Array): Promise<string> {
  await fs.writeFile(path.join(dir, 'worker.js'), WORKER_JS);
  await fs.writeFile(path.join(dir, WASM_MODULE_NAME), wasm);
  const configPath = path.join(dir, 'config.capnp');
  await fs.writeFile(configPath, workerdConfig(port));
  return configPath;
}
