import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Options for `createLogger`. */
export interface LoggerOptions {
  level: string;
  /** Where JSON lines go: stdout by default; stderr in MCP stdio mode; a sink in tests. */
  destination?: DestinationStream | NodeJS.WritableStream;
}

/** Paths that never reach a log line: keys, bearer tokens, stream tokens. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'req.query.token',
  'query.token',
  'apiKeys',
  '*.apiKeys',
  'api_key',
  '*.api_key',
];

/** A pino logger writing JSON lines, with secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'mcp-orchestrator' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination as DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: false }),
  );
}
