import type { CallToolResult } from '@modelcontextprotocol/server';
import { AppError, InternalError } from '../errors.js';
import type { Logger } from '../logger.js';

/** A readable first line for the result of each tool; the rest of the text is the JSON. */
function headline(body: Record<string, unknown>): string | undefined {
  const id = body.task_id as string | undefined;
  const status = body.status as string | undefined;
  if (id && status === 'pending' && body.stream_url !== undefined) {
    return `Started task ${id} (${body.pattern as string}). Poll get_orchestration_status with this task_id, or get_orchestration_result once it has finished.`;
  }
  if (id && status) return `Task ${id} is ${status}.`;
  return undefined;
}

/** The final report of a result, when there is one. */
function report(body: Record<string, unknown>): string | undefined {
  const result = body.result as { final_synthesis?: unknown } | null | undefined;
  return typeof result?.final_synthesis === 'string' && result.final_synthesis ? result.final_synthesis : undefined;
}

/**
 * A tool's answer as MCP sees it: the HTTP body as `structuredContent`, and a text block a person
 * (or a client without structured content) can read: a headline, the report's Markdown when the
 * task has one, otherwise the JSON.
 */
export function successResult(body: Record<string, unknown>): CallToolResult {
  const parts = [headline(body), report(body) ?? JSON.stringify(body, null, 2)].filter(Boolean);
  return { content: [{ type: 'text', text: parts.join('\n\n') }], structuredContent: body };
}

/**
 * A failure as an `isError` result carrying the SPEC error body (`{success:false, error:{code,…}}`).
 * Unknown errors are a generic `internal_error`; the full error goes to the log only.
 */
export function errorResult(error: unknown, logger: Logger, tool: string): CallToolResult {
  const known = error instanceof AppError ? error : new InternalError();
  if (!(error instanceof AppError)) logger.error({ err: error, tool }, 'MCP tool call failed');
  const body = known.toBody();
  return {
    isError: true,
    content: [{ type: 'text', text: `${known.code}: ${known.message}` }],
    structuredContent: body as unknown as Record<string, unknown>,
  };
}
