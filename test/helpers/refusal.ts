// The deploy-time refusal of a module, for tests that expect one.

import { WasmfnError } from '../../host/errors.js';
import { prepareModule, DEFAULT_MAX_TABLE_ELEMENTS } from '../../host/wasm/prepare.js';

/** The WasmfnError preparing `bytes` throws; fails the test when the module is accepted. */
export function refusal(bytes: Uint8Array): WasmfnError {
  try {
    prepareModule(bytes, { memoryMb: 16, fuel: true, maxTableElements: DEFAULT_MAX_TABLE_ELEMENTS });
  } catch (e) {
    if (e instanceof WasmfnError) return e;
    throw e;
  }
  throw new Error('the module was accepted');
}
