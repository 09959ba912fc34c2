import { ProtocolError, SdkError, SdkErrorCode, type Tool } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { defineTool, type RegisteredTool, type ToolCallOptions } from '../tools/registry.js';
import { McpServerUnavailableError, McpToolError, McpToolTimeoutError } from './errors.js';
import type { McpServerConfig } from './servers-file.js';
import { agentToolName, isToolAllowed } from './tool-names.js';
import { capText, type McpToolOutput } from './tool-result.js';

/** Arguments pass through as an object: the server validates them against the schema it listed. */
const passThrough = z.record(z.string(), z.unknown());

/** Runs one of the server's tools (by its own name) for the agent tool `agentName`. */
export type McpToolCaller = (tool: string, agentName: string, args: Record<string, unknown>, options: ToolCallOptions) => Promise<McpToolOutput>;

/** Why a tool of a listing is not offered, or `undefined` when it is. */
function skipReason(config: McpServerConfig, tool: Tool, name: string | undefined, taken: Set<string>): string | undefined {
  if (tool.execution?.taskSupport === 'required') return 'it runs only as an MCP task';
  if (!name) return 'the server name leaves no room for an agent tool name';
  if (taken.has(name)) return `${name} is taken by another tool of ${config.name}`;
  return undefined;
}

/**
 * The agent tools of a server's listing: `<server>__<tool>` (see {@link agentToolName}), those
 * `allowedTools` / `disabledTools` let through, with the server's own JSON Schema. Tools that can
 * only run as MCP tasks are left out; `onSkip` hears of each tool left out and why.
 */
export function toRegisteredTools(
  config: McpServerConfig,
  tools: Tool[],
  call: McpToolCaller,
  onSkip: (tool: string, reason: string) => void,
): RegisteredTool[] {
  const taken = new Set<string>();
  const registered: RegisteredTool[] = [];
  for (const tool of tools) {
    if (!isToolAllowed(tool.name, config)) continue;
    const name = agentToolName(config.name, tool.name);
    const reason = skipReason(config, tool, name, taken);
    if (reason || !name) {
      onSkip(tool.name, reason ?? 'no name');
      continue;
    }
    taken.add(name);
    registered.push(
      defineTool({
        name,
        description: `[${config.name}] ${tool.description ?? tool.title ?? tool.name}`,
        category: 'mcp',
        tags: ['mcp', config.name],
        source: `mcp:${config.name}`,
        inputSchema: passThrough,
        jsonSchema: tool.inputSchema as Record<string, unknown>,
        execute: (input, options) => call(tool.name, name, input, options),
      }),
    );
  }
  return registered;
}

/** What a failed call becomes; `onTransportError` runs when the connection itself may be broken. */
export function callError(
  error: unknown,
  context: { server: string; agentName: string; timeoutMs: number; maxChars: number; signal?: AbortSignal; redact: (text: string) => string },
  onTransportError: () => void,
): unknown {
  if (error instanceof AppError) return error;
  if (context.signal?.aborted) return context.signal.reason ?? error;
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) return new McpToolTimeoutError(context.agentName, context.timeoutMs);
  // A JSON-RPC error the server answered (unknown tool, invalid arguments): the tool's failure.
  if (error instanceof ProtocolError) return new McpToolError(capText(error.message, context.maxChars));
  onTransportError();
  return new McpServerUnavailableError(context.server, context.redact((error as Error)?.message ?? String(error)).slice(0, 300));
}
