import { z } from 'zod';
import { AppError, ValidationError } from '../errors.js';
import { researchInputSchema, searchInputSchema, type OrchestrateInput } from '../orchestrator/inputs.js';
import { describePatterns } from '../orchestrator/patterns/index.js';
import type { SwarmOrchestrator } from '../orchestrator/swarm-orchestrator.js';
import { isFinal, type PatternName, type TaskRecord } from '../orchestrator/task.js';
import { redactWebhookUrl } from '../webhooks/redact.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import type { ToolRegistry } from './registry.js';

/** How URLs handed to a client are built; each transport knows where its client stands. */
export interface UrlBuilder {
  /** A path of this server (`/stream/x`) as the client must request it. */
  resolve(path: string): string;
  /** The stream URL of a task, with a stream token where auth needs one. */
  stream(taskId: string): string;
}

/** What a tool handler gets besides its input. */
export interface ToolContext {
  orchestrator: SwarmOrchestrator;
  registry: ToolRegistry;
  urls: UrlBuilder;
  /** Webhooks of `webhook_url`; without it a request naming one is refused. */
  webhooks?: WebhookService;
  /** Aborts when the client no longer waits for the answer (it hung up); passed on to registered tools. */
  signal?: AbortSignal;
  /** The client (`key:<key id>` or `ip:<address>`), for tools that share a resource fairly (calculate). */
  clientKey?: string;
}

/** One orchestration tool: served as `POST /tools/<name>`, listed by `GET /tools`, and over MCP. */
export interface OrchestrationTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  inputSchema: S;
  /** HTTP status of a success (202 for work that is accepted, not done). */
  successStatus?: number;
  /** Also served as `GET /tools/<name>`, its input taken from the query string. */
  allowGet?: boolean;
  /** Starts a task and answers its handle (`task_id`); MCP offers `wait: true` on such tools. */
  startsTask?: boolean;
  handler(input: z.output<S>, ctx: ToolContext): Promise<Record<string, unknown>>;
}

function define<S extends z.ZodType>(tool: OrchestrationTool<S>): OrchestrationTool {
  return tool as unknown as OrchestrationTool;
}

const taskIdSchema = z.strictObject({ task_id: z.string().trim().min(1).max(200).describe('The task_id returned when the task was started') });

/** A record as clients see it: `success`, and document URLs from where the client stands. */
export function presentTask(record: TaskRecord, urls: UrlBuilder): Record<string, unknown> {
  const documents = record.result?.documents.map((d) => ({ ...d, url: urls.resolve(d.url) }));
  const result = record.result && { ...record.result, documents };
  // A fresh `stream_url` (with a new token when keys are on) for a client whose first one expired.
  return { success: true, ...record, ...(result ? { result } : {}), stream_url: urls.stream(record.task_id) };
}

function accepted(record: TaskRecord, urls: UrlBuilder) {
  return {
    success: true,
    task_id: record.task_id,
    status: record.status,
    pattern: record.pattern,
    stream_url: urls.stream(record.task_id),
    status_url: urls.resolve(`/tasks/${record.task_id}`),
  };
}

const webhookProblem = (path: string, message: string) => new ValidationError(`${path}: ${message}`, [{ path, message }]);

/** The target is checked before the task exists; the registration is stored before it can emit anything. */
function start(pattern: PatternName) {
  return async (input: OrchestrateInput, ctx: ToolContext) => {
    const { webhook_url: url, webhook_events: events } = input;
    const webhooks = ctx.webhooks;
    if (url === undefined) {
      if (events !== undefined) throw webhookProblem('webhook_events', 'needs webhook_url');
      return accepted(await ctx.orchestrator.submit(pattern, input), ctx.urls);
    }
    if (!webhooks) throw webhookProblem('webhook_url', 'webhooks are not available on this transport');
    await webhooks.checkTarget(url);
    const beforeStart = async (task: TaskRecord) => void (await webhooks.add({ task_id: task.task_id, url, events }));
    // The registration keeps the URL; the task record (and every view of it) only its origin.
    return accepted(await ctx.orchestrator.submit(pattern, { ...input, webhook_url: redactWebhookUrl(url) }, { beforeStart }), ctx.urls);
  };
}

/** The one table every transport serves. */
export const ORCHESTRATION_TOOLS: OrchestrationTool[] = [
  define({
    name: 'orchestrate_research',
    description:
      'Start hierarchical research (pattern cascade): a planner splits the task, worker agents research in parallel, ' +
      'mid-level and executive synthesizers write a cited report. Returns a task_id at once; follow stream_url.',
    inputSchema: researchInputSchema,
    successStatus: 202,
    startsTask: true,
    handler: start('cascade'),
  }),
  define({
    name: 'orchestrate_search',
    description:
      'Start a multi-agent search (pattern swarm): search angles are planned, typed agents search in parallel, ' +
      'one synthesis groups and deduplicates the findings. Returns a task_id at once; follow stream_url.',
    inputSchema: searchInputSchema,
    successStatus: 202,
    startsTask: true,
    handler: start('swarm'),
  }),
  define({
    name: 'get_orchestration_status',
    description: 'The full record of a task: status, progress, usage and cost, and its result once finished.',
    inputSchema: taskIdSchema,
    handler: async ({ task_id }, ctx) => presentTask(await ctx.orchestrator.get(task_id), ctx.urls),
  }),
  define({
    name: 'get_orchestration_result',
    description:
      'The result of a finished task: its final synthesis (Markdown), agent and synthesis results and documents. ' +
      'A task still pending or running answers task_not_finished; poll get_orchestration_status meanwhile.',
    inputSchema: taskIdSchema,
    handler: async ({ task_id }, ctx) => {
      const record = presentTask(await ctx.orchestrator.get(task_id), ctx.urls) as unknown as TaskRecord;
      if (!isFinal(record.status)) {
        throw new AppError('task_not_finished', 409, `task ${task_id} is ${record.status}; its result is ready once it completes`);
      }
      return { success: true, task_id, status: record.status, result: record.result ?? null, ...(record.error ? { error: record.error } : {}) };
    },
  }),
  define({
    name: 'cancel_orchestration',
    description: 'Cancel a pending or running task: its model calls are aborted at once. A finished task cannot be cancelled.',
    inputSchema: taskIdSchema,
    handler: async ({ task_id }, ctx) => ({ success: true, ...(await ctx.orchestrator.cancel(task_id)) }),
  }),
  define({
    name: 'list_orchestrator_patterns',
    description: 'The orchestration patterns (cascade, swarm) with their use cases and default configuration.',
    inputSchema: z.strictObject({}),
    allowGet: true,
    handler: async () => ({ success: true, patterns: describePatterns() }),
  }),
  define({
    name: 'list_registered_tools',
    description: 'The tools agents can call (and execute_registered_tool runs), optionally filtered by category and tags.',
    inputSchema: z.strictObject({
      category: z.string().trim().min(1).max(100).optional(),
      source: z.string().trim().min(1).max(200).optional().describe('builtin, web, or mcp:<server> for the tools of one MCP server'),
      tags: z
        .union([z.array(z.string().trim().min(1).max(100)).max(50), z.string().max(2000)])
        .optional()
        .transform((tags) => (typeof tags === 'string' ? tags.split(',').map((t) => t.trim()).filter(Boolean) : tags))
        .describe('Tags that must all match; an array or a comma-separated string'),
    }),
    allowGet: true,
    handler: async ({ category, tags, source }, ctx) => {
      const tools = ctx.registry.list({ category, tags, source });
      return { success: true, tools, count: tools.length };
    },
  }),
  define({
    name: 'execute_registered_tool',
    description: 'Run one registered tool with its arguments (see list_registered_tools for their schemas).',
    inputSchema: z
      .strictObject({
        tool_name: z.string().trim().min(1).max(100),
        arguments: z.record(z.string(), z.unknown()).optional(),
        tool_arguments: z.record(z.string(), z.unknown()).optional().describe('Alias of arguments (old clients)'),
      })
      .refine((v) => !(v.arguments && v.tool_arguments), { path: ['tool_arguments'], message: 'conflicts with arguments; send one of them' })
      .transform(({ tool_name, arguments: args, tool_arguments }) => ({ tool_name, arguments: args ?? tool_arguments ?? {} })),
    handler: async ({ tool_name, arguments: args }, ctx) => ({
      success: true,
      tool_name,
      result: await ctx.registry.execute(tool_name, args, { signal: ctx.signal, clientKey: ctx.clientKey }),
    }),
  }),
];

/** The table as `GET /tools` and MCP `tools/list` show it. */
export function listOrchestrationTools() {
  return ORCHESTRATION_TOOLS.map(({ name, description, inputSchema }) => ({
    name,
    description,
    inputSchema: z.toJSONSchema(inputSchema, { io: 'input' }),
  }));
}

export function findOrchestrationTool(name: string): OrchestrationTool | undefined {
  return ORCHESTRATION_TOOLS.find((t) => t.name === name);
}
