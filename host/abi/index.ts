// The invoke function of each guest ABI, by name, and the ABIs whose instances can be made ahead of their call.

import type { AbiName } from './types.js';
import type { InstantiateFn, InvokeFn } from './runtime.js';
import { instantiateSdk, invokeSdk } from './sdk.js';
import { instantiateLoader, invokeLoader } from './loader.js';
import { invokeWagi } from './wagi.js';

export const INVOKERS: Record<AbiName, InvokeFn> = {
  sdk: invokeSdk,
  loader: invokeLoader,
  wagi: invokeWagi,
};

/** WAGI is not here: its WASI imports are made per call, around the call's own arguments, stdin and files. */
export const INSTANTIATE_AHEAD: Partial<Record<AbiName, InstantiateFn>> = {
  sdk: instantiateSdk,
  loader: instantiateLoader,
};
