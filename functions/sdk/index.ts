// The wasmfn AssemblyScript SDK: `serve((req) => Response.text(...))` inside `export function handle(): void`.

export { Request, Header } from "./request";
export { Response, serve } from "./response";
export { Param } from "./url";
export { Json, JsonValue, JsonKind } from "./json";
export { quote as jsonQuote } from "./json-write";
export { log } from "./log";
export { kv, KeysPage } from "./kv";
export { http, FetchResponse } from "./http";
export { config } from "./config";
export { CapError, lastError, lastErrorMessage } from "./capability";
