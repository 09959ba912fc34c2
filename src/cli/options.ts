import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createClient, UsageError, type Client } from './client.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:5060';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every client command takes. */
export const COMMON_OPTIONS = {
  server: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const COMMON_HELP = `  --server <url>    the server (env MCP_ORCHESTRATOR_URL, default ${DEFAULT_SERVER})
  --api-key <key>   sent as Authorization: Bearer (env MCP_ORCHESTRATOR_API_KEY)
  --json            machine-readable output
`;

export interface Parsed<O extends Options> {
  values: { [K in keyof (O & typeof COMMON_OPTIONS)]?: (O & typeof COMMON_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };
  positionals: string[];
}

/** Parse a command's arguments (strict); an unknown option or a missing value is a UsageError. */
export function parseCommand<O extends Options>(args: string[], options: O): Parsed<O> {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values, positionals } as unknown as Parsed<O>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The API client from `--server`/`--api-key` or the environment. */
export function clientFrom(values: { server?: string; 'api-key'?: string }, env: Record<string, string | undefined>): Client {
  return createClient({
    server: values.server ?? (env.MCP_ORCHESTRATOR_URL || DEFAULT_SERVER),
    apiKey: values['api-key'] ?? (env.MCP_ORCHESTRATOR_API_KEY || undefined),
  });
}

/** An integer option, or a UsageError naming it. */
export function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

/** Exactly one positional argument (a task id, a query). */
export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError(`expected one ${what}${positionals.length > 1 ? ` (got ${positionals.length}; quote it)` : ''}`);
  return positionals[0];
}
