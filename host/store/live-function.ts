// A version as it runs: compiled once, with what the sandbox needs to run it and the metadata it was stored with.

import type { FunctionLimits } from '../config.js';
import type { AbiName, StaticFile } from '../abi/types.js';
import type { VersionMeta } from './function-store.js';
import type { DeployConfig } from './deploy-config.js';
import { grantsOf, type Grants } from './capability-config.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { TriggerConfig } from './trigger-config.js';

export interface LiveFunction {
  name: string;
  version: string;
  /** name@version: the key workers cache compiled modules under. */
  key: string;
  abi: AbiName;
  module: WebAssembly.Module;
  memory: { initialPages: number; maximumPages: number } | null;
  fuelInstrumented: boolean;
  limits: FunctionLimits;
  env: Record<string, string>;
  /** What invokes it besides HTTP (none when its config names none). */
  triggers: TriggerConfig[];
  /** Static files shipped with the deploy, or null. */
  files: readonly StaticFile[] | null;
  /** Key-value stores, outbound origins, variables and secrets it was granted. */
  grants: Grants;
  meta: VersionMeta;
  /** The event parts of its deploy config (retry policy, schedules). */
  events: Pick<DeployConfig, 'async' | 'schedules'>;
}

export function toLive(meta: VersionMeta, config: DeployConfig, module: WebAssembly.Module, secrets: SecretBox | null = null, files: readonly StaticFile[] | null = null): LiveFunction {
  return {
    name: meta.name,
    version: meta.version,
    key: `${meta.name}@${meta.version}`,
    abi: meta.abi,
    module,
    memory: meta.memory,
    fuelInstrumented: meta.fuelInstrumented,
    limits: meta.limits,
    env: config.env,
    triggers: config.triggers ?? [],
    files,
    grants: grantsOf(meta.name, config, secrets),
    meta,
    events: { async: config.async, schedules: config.schedules },
  };
}
