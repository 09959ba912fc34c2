import { z } from 'zod';
import { EVENT_TYPES } from '../events/event.js';
import { TASK_STATUSES } from '../orchestrator/task.js';
import { DOCUMENT_FORMATS } from '../orchestrator/formats/index.js';

// Response bodies, for the OpenAPI document only: the routes build these objects from the domain's
// types; the request side of the document comes from the very schemas the routes parse with.
// Objects are loose: a client must accept fields added later.

/** Every code an error body can carry (SPEC section 2, plus the tool- and MCP-specific ones). */
export const ERROR_CODES = [
  'invalid_json',
  'validation_error',
  'unauthorized',
  'forbidden',
  'task_not_found',
  'tool_not_found',
  'not_found',
  'method_not_allowed',
  'task_already_finished',
  'task_not_finished',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal_error',
  'unavailable',
] as const;

export const errorBody = z
  .strictObject({
    success: z.literal(false),
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional().describe('One entry per problem (validation_error)'),
      request_id: z.string().optional().describe('Same as the X-Request-Id header; find the log line with it'),
    }),
  })
  .describe('The shape of every 4xx and 5xx answer');

export const health = z.looseObject({
  status: z.enum(['healthy', 'unhealthy']),
  service: z.literal('mcp-orchestrator'),
  version: z.string(),
  uptime_s: z.number().int(),
  active_tasks: z.number().int(),
  pending_tasks: z.number().int(),
  active_streams: z.number().int(),
  registered_webhooks: z.number().int(),
  store: z.string(),
  reason: z.string().optional().describe('Why it is unhealthy'),
});

export const toolsList = z.looseObject({
  tools: z.array(z.looseObject({ name: z.string(), description: z.string(), inputSchema: z.record(z.string(), z.unknown()) })),
  count: z.number().int(),
});

export const accepted = z.looseObject({
  success: z.literal(true),
  task_id: z.string().describe('research_<id> or search_<id>'),
  status: z.literal('pending'),
  pattern: z.enum(['cascade', 'swarm']),
  stream_url: z.string().describe('Where the task streams; usable from where the client stands (behind a proxy too); carries ?token= when API_KEYS is set'),
  status_url: z.string(),
});

const usage = z.looseObject({ input_tokens: z.number().int(), output_tokens: z.number().int() });
const taskError = z.looseObject({ code: z.string().describe('interrupted, timeout, budget_exceeded, …'), message: z.string() });

const agentResult = z.looseObject({
  agent_id: z.string(),
  role: z.enum(['planner', 'worker', 'drummer', 'camina', 'synthesizer']),
  agent_type: z.string().optional(),
  subtask: z.string(),
  content: z.string(),
  status: z.enum(['completed', 'failed', 'cancelled']),
  error: taskError.nullable(),
  usage,
  cost_usd: z.number(),
  duration_ms: z.number(),
  attempts: z.number().int(),
  citations: z.array(z.looseObject({ source: z.string(), title: z.string().optional(), url: z.string().optional(), lines: z.string().optional(), snippet: z.string().optional() })),
});

export const taskResult = z.looseObject({
  final_synthesis: z.string().describe('The report, Markdown'),
  agent_results: z.array(agentResult),
  synthesis_results: z.array(agentResult),
  subtasks: z.array(z.string()),
  failed_agents: z.array(z.string()),
  documents: z.array(
    z.looseObject({
      format: z.enum(DOCUMENT_FORMATS),
      filename: z.string().describe('The stored file (<task_id>.<ext>); a download is named after the title'),
      size: z.number().int().describe('Bytes'),
      bytes: z.number().int().describe('Same as size'),
      content_type: z.string(),
      url: z.string(),
    }),
  ),
  document_errors: z
    .array(z.looseObject({ format: z.enum(DOCUMENT_FORMATS), code: z.literal('render_failed'), message: z.string() }))
    .optional()
    .describe('Formats whose document could not be rendered (absent when none failed)'),
});

const taskFields = {
  task_id: z.string(),
  status: z.enum(TASK_STATUSES),
  pattern: z.enum(['cascade', 'swarm']),
  title: z.string(),
  input: z.record(z.string(), z.unknown()).describe('The validated request, aliases resolved, defaults filled'),
  provider: z.string(),
  model: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  progress: z.looseObject({
    phase: z.enum(['queued', 'planning', 'agents', 'synthesis', 'documents', 'done']),
    agents_total: z.number().int(),
    agents_done: z.number().int(),
    agents_failed: z.number().int(),
  }),
  usage: usage.extend({ cost_usd: z.number(), price_known: z.boolean() }),
  error: taskError.optional(),
};

export const taskRecord = z.looseObject({
  success: z.literal(true),
  ...taskFields,
  result: taskResult.optional(),
  stream_url: z.string().describe('The task\'s event stream from where the client stands; with API keys it carries a fresh ?token='),
});

export const taskList = z.looseObject({
  success: z.literal(true),
  tasks: z.array(z.looseObject({ ...taskFields, has_result: z.boolean() })).describe('Newest first; without results (GET /tasks/{taskId} has them)'),
  count: z.number().int(),
  next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last'),
});

export const taskEvent = z
  .looseObject({
    event_type: z.enum(EVENT_TYPES),
    task_id: z.string(),
    seq: z.number().int().min(1).describe('From 1 per task, no gaps; also the frame id'),
    timestamp: z.string(),
    agent_id: z.string().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .describe('The JSON in the data: line of each SSE frame (id: <seq>, no event: line)');

/** The success body of each orchestration tool, by name. */
export const toolResponses: Record<string, z.ZodType> = {
  orchestrate_research: accepted,
  orchestrate_search: accepted,
  get_orchestration_status: taskRecord,
  get_orchestration_result: z.looseObject({
    success: z.literal(true),
    task_id: z.string(),
    status: z.enum(['completed', 'failed', 'cancelled']),
    result: taskResult.nullable(),
    error: taskError.optional(),
  }),
  cancel_orchestration: z.looseObject({ success: z.literal(true), task_id: z.string(), cancelled: z.literal(true), status: z.literal('cancelled') }),
  list_orchestrator_patterns: z.looseObject({
    success: z.literal(true),
    patterns: z.array(
      z.looseObject({
        name: z.string(),
        display_name: z.string(),
        description: z.string(),
        use_cases: z.array(z.string()),
        default_config: z.record(z.string(), z.unknown()),
      }),
    ),
  }),
  list_registered_tools: z.looseObject({
    success: z.literal(true),
    tools: z.array(
      z.looseObject({ name: z.string(), description: z.string(), category: z.string(), tags: z.array(z.string()), source: z.string().describe('builtin, web or mcp:<server>'), inputSchema: z.record(z.string(), z.unknown()) }),
    ),
    count: z.number().int(),
  }),
  execute_registered_tool: z.looseObject({ success: z.literal(true), tool_name: z.string(), result: z.unknown() }),
};

export const webhookRegistered = z.looseObject({
  success: z.literal(true),
  task_id: z.string(),
  webhook_id: z.string(),
  webhook_url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
});

export const webhookUnregistered = z.looseObject({ success: z.literal(true), task_id: z.string(), removed: z.boolean() });
