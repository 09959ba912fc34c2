import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StartupError } from '../startup-error.js';

/** Server names, as the `<name>__<tool>` prefix of agent tool names (which models restrict). */
export const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

interface McpServerCommon {
  /** The key in `mcpServers`. */
  name: string;
  /** Only these tools of the server (its own names); all when absent. */
  allowedTools?: string[];
  /** Never these tools of the server (its own names). */
  disabledTools?: string[];
}

/** A server we start as a child process and talk to over its stdin/stdout. */
export interface McpStdioServerConfig extends McpServerCommon {
  transport: 'stdio';
  command: string;
  args: string[];
  /** Given to the child as they are: `"${VAR}"` is not expanded (Claude Desktop does not either). */
  env: Record<string, string>;
  /** Absolute: a relative `cwd` in the file is resolved against the file's folder. */
  cwd?: string;
}

/** A server reached over Streamable HTTP. */
export interface McpHttpServerConfig extends McpServerCommon {
  transport: 'http';
  url: string;
  /** Sent with every request (an `Authorization` header, an API key). */
  headers: Record<string, string>;
}

export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

const toolNames = z.array(z.string().min(1).max(256)).max(1000);
const common = {
  allowedTools: toolNames.optional(),
  disabledTools: toolNames.optional(),
  // Cline, Windsurf and others keep switched-off entries in the file with `"disabled": true`.
  disabled: z.boolean().optional(),
};
const stdioEntry = z.object({
  type: z.literal('stdio').optional(),
  command: z.string().min(1),
  args: z.array(z.string()).max(1000).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().min(1).optional(),
  ...common,
});
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const httpEntry = z.object({
  // `type` as Cursor, VS Code and Claude Code write it; the transport is always Streamable HTTP.
  type: z.enum(['http', 'streamable-http', 'streamableHttp']).optional(),
  url: httpUrl,
  headers: z.record(z.string(), z.string()).default({}),
  ...common,
});
const fileShape = z.object({ mcpServers: z.record(z.string(), z.unknown()) });

type Issue = { path: PropertyKey[]; message: string };
const where = (issue: Issue) => issue.path.map(String).join('.');
const describe = (issues: Issue[]) =>
  issues.map((i) => [where(i), i.message.replace(/^Invalid input: /, '')].filter(Boolean).join(': ')).join('; ');

/** The one schema an entry is checked against, by the keys it has; or why it fits none. */
function entrySchema(entry: unknown): typeof stdioEntry | typeof httpEntry | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'expected an object';
  const keys = entry as Record<string, unknown>;
  if (keys.type === 'sse') return 'type "sse" (the old HTTP+SSE transport) is not supported: give a Streamable HTTP url';
  if ('command' in keys && 'url' in keys) return 'give either command (stdio) or url (Streamable HTTP), not both';
  if ('url' in keys) return httpEntry;
  if ('command' in keys) return stdioEntry;
  return 'expected command (stdio) or url (Streamable HTTP)';
}

function toConfig(name: string, entry: z.output<typeof stdioEntry> | z.output<typeof httpEntry>, baseDir: string): McpServerConfig {
  const { allowedTools, disabledTools } = entry;
  if ('url' in entry) return { name, transport: 'http', url: entry.url, headers: entry.headers, allowedTools, disabledTools };
  const cwd = entry.cwd === undefined ? undefined : path.resolve(baseDir, entry.cwd);
  return { name, transport: 'stdio', command: entry.command, args: entry.args, env: entry.env, cwd, allowedTools, disabledTools };
}

/**
 * Check a parsed `mcpServers` document. Every problem is reported at once, each with its JSON path
 * (`mcpServers.files.command: expected string, received number`); entries with `"disabled": true`
 * are left out. `baseDir` resolves relative `cwd`s.
 */
export function parseMcpServers(value: unknown, baseDir: string): McpServerConfig[] {
  const top = fileShape.safeParse(value);
  if (!top.success) throw new StartupError('MCP_SERVERS_FILE', describe(top.error.issues));
  const issues: Issue[] = [];
  const servers: McpServerConfig[] = [];
  for (const [name, entry] of Object.entries(top.data.mcpServers)) {
    const at = ['mcpServers', name];
    if (!SERVER_NAME.test(name)) issues.push({ path: at, message: 'server names must match [A-Za-z0-9_-]{1,64}' });
    const schema = entrySchema(entry);
    if (typeof schema === 'string') {
      issues.push({ path: at, message: schema });
      continue;
    }
    const parsed = schema.safeParse(entry);
    if (!parsed.success) issues.push(...parsed.error.issues.map((i) => ({ path: [...at, ...i.path], message: i.message })));
    else if (!parsed.data.disabled) servers.push(toConfig(name, parsed.data, baseDir));
  }
  if (issues.length) throw new StartupError('MCP_SERVERS_FILE', describe(issues));
  return servers;
}

/**
 * Where a JSON syntax error is, by line and column, without the parser's message: V8 quotes the
 * text around the error, and that text may be a secret of an `env`.
 */
function jsonErrorAt(text: string, error: unknown): string {
  const position = /position (\d+)/.exec((error as Error).message)?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` (line ${before.length}, column ${before.at(-1)!.length + 1})`;
}

/**
 * Read `MCP_SERVERS_FILE`: `{"mcpServers": {"<name>": {"command", "args"?, "env"?, "cwd"?} |
 * {"url", "headers"?}}}` plus `allowedTools` / `disabledTools`, the shape Claude Desktop and Cursor
 * use. A file that cannot be read, is not JSON or does not fit throws a {@link StartupError}
 * whose message starts with `MCP_SERVERS_FILE: `.
 */
export function loadMcpServersFile(file: string): McpServerConfig[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError('MCP_SERVERS_FILE', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StartupError('MCP_SERVERS_FILE', `${file} is not JSON${jsonErrorAt(text, error)}`);
  }
  return parseMcpServers(value, path.dirname(path.resolve(file)));
}
