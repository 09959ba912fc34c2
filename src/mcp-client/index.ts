/** Agents call tools of the MCP servers in `MCP_SERVERS_FILE` (see docs/sources.md). */
export { createMcpClients, type McpClients, type McpClientsOptions } from './mcp-clients.js';
export type { McpServerStatus } from './server-connection.js';
export { loadMcpServersFile, parseMcpServers, type McpServerConfig } from './servers-file.js';
export { McpServerUnavailableError, McpToolError, McpToolTimeoutError } from './errors.js';
