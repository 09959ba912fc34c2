import type { Logger } from '../logger.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { BackoffOptions } from './backoff.js';
import { createServerConnection, type McpServerStatus } from './server-connection.js';
import type { McpServerConfig } from './servers-file.js';

export interface McpClientsOptions {
  /** From {@link loadMcpServersFile} (`MCP_SERVERS_FILE`). */
  servers: McpServerConfig[];
  /** Where each server's tools are registered as `<server>__<tool>`, source `mcp:<server>`. */
  registry: ToolRegistry;
  logger: Logger;
  /** `MCP_CONNECT_TIMEOUT_MS`: bounds starting a server, the handshake and the first `tools/list`. */
  connectTimeoutMs: number;
  /** `MCP_TOOL_TIMEOUT_MS`: a tool call not answered by then is cancelled and fails. */
  toolTimeoutMs: number;
  /** `MCP_TOOL_OUTPUT_MAX_CHARS`: a tool's text is cut there, with a note. */
  outputMaxChars: number;
  /** Waits between reconnect attempts (default 1 s doubling to 60 s, jittered). */
  backoff?: BackoffOptions;
  /** Our version, as the MCP `clientInfo` tells servers. */
  version?: string;
}

export interface McpClients {
  /**
   * Connect to every server in parallel, each within `connectTimeoutMs`. Resolves when each has
   * connected or failed (failures are retried with backoff); never rejects.
   */
  start(): Promise<void>;
  /** Each server's state, in the file's order. */
  status(): McpServerStatus[];
  /** Disconnect from all (stdio children are ended) and remove their tools. Idempotent. */
  close(): Promise<void>;
}

/** The MCP servers agents may call tools of, kept connected. */
export function createMcpClients(options: McpClientsOptions): McpClients {
  const clientInfo = { name: 'mcp-orchestrator', version: options.version ?? '0.0.0' };
  const connections = options.servers.map((config) => createServerConnection(config, { ...options, clientInfo }));
  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  return {
    start() {
      started ??= Promise.all(connections.map((c) => c.start())).then(() => undefined);
      return started;
    },
    status: () => connections.map((c) => c.status()),
    close() {
      closed ??= Promise.all(connections.map((c) => c.close())).then(() => undefined);
      return closed;
    },
  };
}
