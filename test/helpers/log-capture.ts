// Test helper: a host logger whose JSON lines are kept in memory, to assert on what was logged.

import { createLogger, type Logger } from '../../host/observe/logger.js';

export type LogLine = Record<string, unknown>;

export interface LogCapture {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines(): LogLine[];
}

/** A logger at `level` ('silent' keeps nothing) writing into memory. */
export function captureLog(level = 'debug'): LogCapture {
  const raw: string[] = [];
  const logger = createLogger(level, { destination: { write: (s: string) => void raw.push(s) } });
  return { logger, lines: () => raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) };
}
