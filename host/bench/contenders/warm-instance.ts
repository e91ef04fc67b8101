// Contender `warm-instance`: one instance reused for every request, no isolation at all: the floor.

import { checkOutput, usSince, type Contender } from '../contender.js';
import { readGuest } from '../guests.js';
import { callGreet, instantiateGreet, type GreetInstance } from './loader-common.js';

/** Requests between re-instantiations, so the stub runtime's never-freed allocations stay small. */
const CALLS_PER_INSTANCE = 10_000;

export function warmInstanceContender(): Contender {
  let module: WebAssembly.Module | null = null;
  let inst: GreetInstance | null = null;
  let calls = 0;
  return {
    name: 'warm-instance',
    isolation: 'none',
    description: 'no isolation, the floor: the same loader call on one warm instance reused across requests (state leaks between requests)',
    slow: false,
    async setup() {
      module = await WebAssembly.compile(await readGuest('bench-greet'));
      inst = instantiateGreet(module);
      checkOutput('warm-instance', callGreet(inst));
    },
    coldStart() {
      if (++calls % CALLS_PER_INSTANCE === 0) inst = instantiateGreet(module!);
      const t0 = performance.now();
      const out = callGreet(inst!);
      const us = usSince(t0);
      if (out.length === 0) throw new Error('warm-instance: empty answer');
      return us;
    },
    async teardown() {
      inst = null;
    },
  };
}
