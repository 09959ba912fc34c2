import { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '../logger.js';
import type { McpBackend } from './backend.js';
import { registerResources } from './resources.js';
import { registerOrchestrationTools, type Activity } from './tools.js';

export interface McpServerOptions {
  backend: McpBackend;
  version: string;
  logger: Logger;
  /** Told when a tool call starts and ends (sessions use it to know they are busy). */
  activity?: Activity;
}

const INSTRUCTIONS =
  'Multi-agent research (orchestrate_research) and search (orchestrate_search). Both answer a task_id at once; ' +
  'poll get_orchestration_status, then read get_orchestration_result (or the resource orchestrator://tasks/{task_id}/report). ' +
  'Pass wait: true (with a progress token) to keep the call open until the task ends.';

/**
 * One MCP server instance: the shared tool table and the resources, over `backend`. Every transport
 * and protocol era builds its instances here, so they serve the same surface.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'mcp-orchestrator', title: 'MCP Orchestrator', version: options.version },
    { capabilities: { tools: { listChanged: false }, resources: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  registerOrchestrationTools(server, options.backend, { logger: options.logger, activity: options.activity });
  registerResources(server, options.backend);
  return server;
}
