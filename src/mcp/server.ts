import { McpServer, type CacheHint } from '@modelcontextprotocol/server';
import type { Logger } from '../logger.js';
import type { McpBackend } from './backend.js';
import { registerPrompts } from './prompts.js';
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
  'Pass wait: true (with a progress token) to keep the call open until the task ends. ' +
  "The prompts research and search do all of this; report brings a finished task's report into the conversation.";

/**
 * Cache hints of the 2026-07-28 revision (SEP-2549 `ttlMs`/`cacheScope`; the SDK adds them to no
 * other era). The tools, prompts and templates are fixed for the life of the process and the same
 * for every caller; the resource list gains a task with every start, so it is never served stale.
 * Reads default to fresh; resources.ts sets longer hints on the reads that cannot change.
 */
const STATIC: CacheHint = { ttlMs: 10 * 60_000, cacheScope: 'public' };
const CACHE_HINTS = {
  'tools/list': STATIC,
  'prompts/list': STATIC,
  'resources/templates/list': STATIC,
  'resources/list': { ttlMs: 0, cacheScope: 'private' },
  'resources/read': { ttlMs: 0, cacheScope: 'private' },
} satisfies Record<string, CacheHint>;

/**
 * One MCP server instance: the shared tool table, the resources and the prompts, over `backend`.
 * Every transport and protocol era builds its instances here, so they serve the same surface.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'mcp-orchestrator', title: 'MCP Orchestrator', version: options.version },
    {
      // `completions` is added by the SDK with the first completable argument.
      capabilities: { tools: { listChanged: false }, resources: { listChanged: false }, prompts: { listChanged: false } },
      instructions: INSTRUCTIONS,
      cacheHints: CACHE_HINTS,
    },
  );
  registerOrchestrationTools(server, options.backend, { logger: options.logger, activity: options.activity });
  registerResources(server, options.backend);
  registerPrompts(server, options.backend);
  return server;
}
