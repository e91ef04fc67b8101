// The invoke function of each guest ABI, by name.

import type { AbiName } from './types.js';
import type { InvokeFn } from './runtime.js';
import { invokeSdk } from './sdk.js';
import { invokeLoader } from './loader.js';
import { invokeWagi } from './wagi.js';

export const INVOKERS: Record<AbiName, InvokeFn> = {
  sdk: invokeSdk,
  loader: invokeLoader,
  wagi: invokeWagi,
};
