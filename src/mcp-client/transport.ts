import type { Readable } from 'node:stream';
import { StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { safeUrl } from './redact.js';
import type { McpServerConfig } from './servers-file.js';

/** A transport not yet started, and the child's pid once it runs (stdio). */
export interface ServerTransport {
  transport: Transport;
  pid(): number | undefined;
}

/** Longest stderr line kept; the rest of a longer one is dropped. */
const MAX_LINE = 2000;

/** Call `onLine` for each line the stream writes (cut at {@link MAX_LINE} characters). */
function eachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop()!.slice(0, MAX_LINE);
    for (const line of lines) if (line.trim()) onLine(line.slice(0, MAX_LINE));
  });
  stream.on('end', () => {
    if (pending.trim()) onLine(pending);
  });
}

/**
 * The transport of one configured server. A stdio child gets its entry's `env` on top of the MCP
 * SDK's short default list (HOME, LOGNAME, PATH, SHELL, TERM, USER), never the rest of ours (no API
 * keys); its stderr is read line by line into `onStderr`.
 */
export function createServerTransport(config: McpServerConfig, onStderr: (line: string) => void): ServerTransport {
  if (config.transport === 'http') {
    const transport = new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
    return { transport, pid: () => undefined };
  }
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    env: config.env,
    cwd: config.cwd,
    stderr: 'pipe',
  });
  eachLine(transport.stderr as Readable, onStderr);
  return { transport, pid: () => transport.pid ?? undefined };
}

/** What logs say about a server: never `env`, headers, args or a URL's path and query. */
export function serverLogFields(config: McpServerConfig): Record<string, string> {
  return config.transport === 'stdio'
    ? { mcp_server: config.name, transport: 'stdio', command: config.command }
    : { mcp_server: config.name, transport: 'http', url: safeUrl(config.url) };
}
