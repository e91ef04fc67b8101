// `wasmfn serve`: runs the host until SIGTERM/SIGINT, then drains in-flight requests and exits 0.

import { parseArgs } from 'node:util';
import { startHost } from '../../server.js';
import { readTokenFile } from '../../token.js';
import type { Command } from '../command.js';

export const run: Command = async (argv, ctx) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      workers: { type: 'string' },
      'no-examples': { type: 'boolean' },
      nats: { type: 'string' },
    },
    strict: true,
  });
  if (values.token && values['token-file']) {
    ctx.err('wasmfn serve: give the admin token with --token or --token-file, not both');
    return 2;
  }
  const token = values['token-file'] ? await readTokenFile(values['token-file']) : values.token;
  const host = await startHost({
    ...(values.host ? { host: values.host } : {}),
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values.data ? { dataDir: values.data } : {}),
    ...(token ? { token } : {}),
    ...(values.workers ? { workers: Number(values.workers) } : {}),
    ...(values['no-examples'] ? { deployExamples: false } : {}),
    ...(values.nats ? { natsUrl: values.nats } : {}),
    onTokenGenerated: (file, token) => ctx.err(`wasmfn: generated an admin token, saved in ${file}:\n  ${token}`),
  });
  if (values.token) {
    // Any local user reads a process's arguments (ps, /proc/<pid>/cmdline), but not its environment or a 0600 file.
    host.log.warn('--token shows the admin token to every user of this machine (ps, /proc/<pid>/cmdline): set WASMFN_TOKEN or use --token-file instead');
  }
  host.log.info({ url: host.url, dataDir: host.opts.dataDir, workers: host.opts.workers, functions: host.registry.list().map((f) => f.name) }, `wasmfn listening on ${host.url}`);
  host.log.info({ url: `${host.url}/ui/` }, `dashboard: ${host.url}/ui/ (admin token in ${host.opts.dataDir}/token unless WASMFN_TOKEN is set)`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      host.log.info({ signal }, 'shutting down: draining in-flight requests');
      void host.close().then(resolve);
    };
    // Repeated signals while draining are absorbed: close() is idempotent and the drain finishes on its own.
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  host.log.info('stopped');
  return 0;
};
