// The host's structured logger: JSON lines (pino), readable lines when stdout is a terminal.

import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import { WasmfnError } from '../errors.js';
import { escapeJsonControls } from '../control-chars.js';

export type { Logger };

export function createLogger(level: string, opts: { pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  if (level !== 'silent' && !(level in pino.levels.values)) {
    throw new WasmfnError('bad_request', `LOG_LEVEL must be one of ${[...Object.keys(pino.levels.values), 'silent'].join(', ')}; got "${level}"`);
  }
  const pretty = (opts.pretty ?? Boolean(process.stdout.isTTY)) && hasPrettyPrinter();
  // Epoch-ms `time` (pino's default) is cheaper to write than ISO; pino-pretty and log stores translate it.
  // `base: undefined` drops pid and hostname. pino's JSON leaves C1 controls and U+2028/2029 raw, as JSON.stringify
  // does; a line quoting a guest's or a client's text is escaped before it can reach a terminal or a log reader.
  const common = { level, base: undefined, hooks: { streamWrite: escapeJsonControls } };
  if (opts.destination) return pino(common, opts.destination);
  if (pretty) {
    return pino({
      ...common,
      transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,event,method,path,status,code' } },
    });
  }
  // Synchronous writes, like Node's own stdout on files and pipes: cheaper per line here than pino's default
  // asynchronous stdout (no thread-pool round trip), and nothing is lost if the process dies. Invocation lines
  // arrive batched (see invocation-log.ts), so this is one write per batch, not per request.
  return pino(common, pino.destination({ dest: 1, sync: true }));
}

/** pino-pretty is a dev dependency: a production install without it still logs, as JSON. */
function hasPrettyPrinter(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
