// Contender `vm-context`: a new node:vm context per request, the nearest Node has to an isolate-per-request host.

import vm from 'node:vm';
import { checkOutput, INPUT, usSince, type Contender, type PhaseSample } from '../contender.js';
import { freshSource } from '../fresh-bytes.js';

const SOURCE = `'Hello, ' + input + '!'`;

export function vmContextContender(): Contender {
  let script: vm.Script | null = null;
  const run = (s: vm.Script): string => s.runInContext(vm.createContext({ input: INPUT })) as string;
  return {
    name: 'vm-context',
    isolation: 'vm-context',
    description: 'a new V8 context per request (node:vm createContext + a precompiled script), like isolate hosts such as Cloudflare Workers; not a security boundary in Node',
    slow: false,
    async setup() {
      script = new vm.Script(SOURCE);
      checkOutput('vm-context', run(script));
    },
    coldStart() {
      const t0 = performance.now();
      const out = run(script!);
      const us = usSince(t0);
      if (out.length === 0) throw new Error('vm-context: empty answer');
      return us;
    },
    deploy(): PhaseSample {
      let t0 = performance.now();
      const s = new vm.Script(freshSource(SOURCE));
      const compile = usSince(t0);
      t0 = performance.now();
      const ctx = vm.createContext({ input: INPUT });
      const instantiate = usSince(t0);
      t0 = performance.now();
      s.runInContext(ctx);
      return { compile, instantiate, firstCall: usSince(t0) };
    },
    async teardown() {
      script = null;
    },
  };
}
