import { AppError } from '../errors.js';

/**
 * The MCP server's tool ran and reported a failure (`isError: true`). The message is the tool's own
 * text, so an agent sees what went wrong (as `is_error`) and `execute_registered_tool` answers it.
 */
export class McpToolError extends AppError {
  constructor(message: string) {
    super('tool_error', 502, message);
  }
}

/** The tool did not answer within `MCP_TOOL_TIMEOUT_MS` (the call was cancelled at the server). */
export class McpToolTimeoutError extends AppError {
  constructor(tool: string, timeoutMs: number) {
    super('tool_timeout', 504, `MCP tool ${tool} timed out after ${timeoutMs} ms`);
  }
}

/** The tool's server is not connected (it dropped and is being reconnected), or the call was lost with it. */
export class McpServerUnavailableError extends AppError {
  constructor(server: string, reason: string) {
    super('unavailable', 503, `MCP server ${server} is unavailable: ${reason}`);
  }
}
