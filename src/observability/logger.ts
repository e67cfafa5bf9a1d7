// pino logger. Secrets never reach a log line: the config objects that hold them are never
// logged whole, and the redact list below covers the header names that carry credentials (the
// access line, written by log-line.ts past pino's redaction, holds none of them).
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';
import { createLogDestination } from './log-destination.js';
import { isoTimeFragment } from './log-time.js';

export type { Logger };

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: ['password', '*.password', 'headers.authorization', '*.headers.authorization', 'key', '*.key'],
        censor: '[redacted]',
      },
      timestamp: isoTimeFragment,
    },
    destination ?? createLogDestination(),
  );
}
