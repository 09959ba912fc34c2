import type { McpServer, ServerContext, StandardSchemaWithJSON, ToolAnnotations } from '@modelcontextprotocol/server';
import { AppError, ValidationError, validationErrorFromIssues } from '../errors.js';
import type { Logger } from '../logger.js';
import { listOrchestrationTools, ORCHESTRATION_TOOLS, type OrchestrationTool } from '../tools/orchestration-tools.js';
import type { McpBackend } from './backend.js';
import { errorResult, successResult } from './tool-results.js';
import { waitForTask } from './wait.js';

/** Counts calls in flight (a session with one open is not idle). */
export interface Activity {
  begin(): void;
  end(): void;
  /**
   * The client cancelled a call (`notifications/cancelled`): no answer is sent for it, so the
   * transport must end that request's response itself.
   */
  cancelled?(requestId: string | number): void;
}

export interface ToolsOptions {
  logger: Logger;
  activity?: Activity;
}

/**
 * `wait` exists only over MCP: the HTTP routes have `/stream/<id>` for following a task, and their
 * strict schemas keep rejecting it. It is added here, to the listed schema of the tools that start a
 * task, and taken out of the arguments before the table's schema validates the rest.
 */
const WAIT_PROPERTY = {
  type: 'boolean',
  default: false,
  description:
    'MCP only. false: answer the task_id at once. true: keep the call open until the task ends, sending ' +
    'notifications/progress when the request has a progressToken, and answer the final record; cancelling ' +
    'this call (or, on protocol 2026-07-28, closing its stream) cancels the task.',
};

const ANNOTATIONS: Record<string, ToolAnnotations> = {
  get_orchestration_status: { readOnlyHint: true },
  get_orchestration_result: { readOnlyHint: true },
  list_orchestrator_patterns: { readOnlyHint: true },
  list_registered_tools: { readOnlyHint: true },
  cancel_orchestration: { destructiveHint: true, idempotentHint: true },
  orchestrate_research: { openWorldHint: true },
  orchestrate_search: { openWorldHint: true },
};

/**
 * The SDK validates with the schema it lists. The table's zod schema validates in the handler
 * instead, so a failure carries the SPEC's `validation_error` and details, like over HTTP; what
 * `tools/list` shows is exactly `GET /tools`'s schema (plus `wait`).
 */
let listedSchemas: Map<string, Record<string, unknown>> | undefined;
function listedSchema(tool: OrchestrationTool): StandardSchemaWithJSON<Record<string, unknown>> {
  // Converted once: every HTTP request of the 2026-07-28 era builds a fresh server instance.
  listedSchemas ??= new Map(listOrchestrationTools().map((t) => [t.name, t.inputSchema as Record<string, unknown>]));
  const listed = listedSchemas.get(tool.name)!;
  const json = tool.startsTask ? { ...listed, properties: { ...(listed.properties as object), wait: WAIT_PROPERTY } } : listed;
  return {
    '~standard': {
      version: 1,
      vendor: 'mcp-orchestrator',
      validate: (value) => ({ value: (value ?? {}) as Record<string, unknown> }),
      jsonSchema: { input: () => json, output: () => json },
    },
  };
}

/** Split the MCP-only `wait` off the arguments. */
function takeWait(tool: OrchestrationTool, args: Record<string, unknown>): { wait: boolean; rest: Record<string, unknown> } {
  if (!tool.startsTask || typeof args !== 'object' || args === null || !('wait' in args)) return { wait: false, rest: args };
  const { wait, ...rest } = args;
  if (typeof wait !== 'boolean') throw new ValidationError('wait: expected boolean', [{ path: 'wait', message: 'expected boolean' }]);
  return { wait, rest };
}

function progressSender(ctx: ServerContext) {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  return (update: { progress: number; total?: number; message: string }) =>
    ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...update } });
}

/** Wait for a task this call started; if the call is cancelled first, cancel the task too. */
async function waitOrCancel(backend: McpBackend, taskId: string, ctx: ServerContext): Promise<Record<string, unknown>> {
  try {
    return await waitForTask(backend, taskId, { signal: ctx.mcpReq.signal, onProgress: progressSender(ctx) });
  } catch (error) {
    if (ctx.mcpReq.signal.aborted) {
      await backend.callTool('cancel_orchestration', { task_id: taskId }, { task_id: taskId }).catch((e: unknown) => {
        // It may have ended on its own meanwhile (also over --remote, where the error is rebuilt from its code).
        if ((e as { code?: string }).code !== 'task_already_finished') throw e;
      });
    }
    throw error;
  }
}

function register(server: McpServer, tool: OrchestrationTool, backend: McpBackend, options: ToolsOptions): void {
  const run = async (args: Record<string, unknown>, ctx: ServerContext) => {
    const { wait, rest } = takeWait(tool, args);
    const parsed = tool.inputSchema.safeParse(rest);
    if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues);
    const body = await backend.callTool(tool.name, parsed.data, rest);
    return wait ? waitOrCancel(backend, body.task_id as string, ctx) : body;
  };
  server.registerTool(
    tool.name,
    { description: tool.description, inputSchema: listedSchema(tool), annotations: ANNOTATIONS[tool.name] ?? {} },
    async (args, ctx) => {
      options.activity?.begin();
      try {
        return successResult(await run(args, ctx));
      } catch (error) {
        if (ctx.mcpReq.signal.aborted) {
          // Nobody reads this answer; the task this call waited on was cancelled with it.
          options.logger.info({ tool: tool.name }, 'MCP call cancelled by the client');
          // After this turn, so the SDK has dropped the answer before its response is ended.
          setImmediate(() => options.activity?.cancelled?.(ctx.mcpReq.id));
          return errorResult(new AppError('cancelled', 499, 'the call was cancelled by the client'), options.logger, tool.name);
        }
        return errorResult(error, options.logger, tool.name);
      } finally {
        options.activity?.end();
      }
    },
  );
}

/** Serve every tool of the shared table on `server`, backed by `backend`. */
export function registerOrchestrationTools(server: McpServer, backend: McpBackend, options: ToolsOptions): void {
  for (const tool of ORCHESTRATION_TOOLS) register(server, tool, backend, options);
}
