import type { OrchestrationTool } from '../tools/orchestration-tools.js';
import { listQuery as tasksListQuery } from '../http/routes/tasks.js';
import { BODY_ERRORS, COMMON_ERRORS, errorResponse, hasRequiredFields, json, pascal, queryParameters, ref, type Json } from './parts.js';
import { DOCUMENT_FORMATS, FORMATS } from '../orchestrator/formats/index.js';

const taskIdParam = { name: 'taskId', in: 'path', required: true, schema: { type: 'string' }, description: 'research_<id> or search_<id>' };
const notFound = (what: string) => errorResponse(`${what}`);

/** `POST /tools/<name>` (and `GET` where the tool allows it), from the tool's own zod schema. */
export function toolPath(tool: OrchestrationTool): Json {
  const name = pascal(tool.name);
  const status = String(tool.successStatus ?? 200);
  const responses: Json = {
    [status]: { description: status === '202' ? 'Accepted: the task runs in the background' : 'OK', content: json(ref(`${name}Response`)) },
    '404': errorResponse('task_not_found or tool_not_found'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  };
  if (tool.name === 'cancel_orchestration' || tool.name === 'get_orchestration_result') {
    responses['409'] = errorResponse('task_already_finished (cancel) or task_not_finished (result)');
  }
  const item: Json = {
    post: {
      operationId: tool.name,
      tags: ['tools'],
      summary: tool.description.split('. ')[0],
      description: tool.description,
      requestBody: { required: hasRequiredFields(tool.inputSchema), content: json(ref(`${name}Request`)) },
      responses,
    },
  };
  if (tool.allowGet) {
    item.get = {
      operationId: `${tool.name}_get`,
      tags: ['tools'],
      summary: `${tool.name}, its input from the query string`,
      parameters: queryParameters(tool.inputSchema),
      responses: { '200': responses['200'], '400': { $ref: '#/components/responses/BadRequest' }, ...COMMON_ERRORS },
    };
  }
  return item;
}

const sseFrame =
  'One frame per event: `id: <seq>` and `data: <TaskEvent JSON>`, no `event:` line. History first, then live events, ' +
  'ending with exactly one of workflow_complete/workflow_error/workflow_cancelled, then stream_closed, then the response ends. ' +
  'A `: keep-alive` comment goes out after 15 s of silence.';

function streamPath(): Json {
  return {
    get: {
      operationId: 'stream_task',
      tags: ['tasks'],
      summary: "A task's events as Server-Sent Events",
      description: `${sseFrame} Reconnect with Last-Event-ID (or ?last_event_id=) to get only what came after.`,
      security: [{}, { bearerAuth: [] }, { apiKeyHeader: [] }, { streamToken: [] }],
      parameters: [
        taskIdParam,
        { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d{1,15}$' } },
        { name: 'last_event_id', in: 'query', required: false, schema: { type: 'string', pattern: '^\\d{1,15}$' }, description: 'For clients that cannot set headers' },
        { name: 'token', in: 'query', required: false, schema: { type: 'string' }, description: 'The task-scoped token stream_url carries when API_KEYS is set' },
      ],
      responses: {
        '200': {
          description: sseFrame,
          content: { 'text/event-stream': { schema: { type: 'string' }, 'x-item-schema': ref('TaskEvent') } },
        },
        '204': { description: 'The stream already ended (stream_closed was seen): do not reconnect' },
        '400': { $ref: '#/components/responses/BadRequest' },
        '404': notFound('task_not_found'),
        ...COMMON_ERRORS,
      },
    },
  };
}

function taskPaths(): Record<string, Json> {
  return {
    '/tasks': {
      get: {
        operationId: 'list_tasks',
        tags: ['tasks'],
        summary: 'Tasks, newest first, a page at a time',
        parameters: queryParameters(tasksListQuery),
        responses: { '200': { description: 'OK', content: json(ref('TaskList')) }, '400': { $ref: '#/components/responses/BadRequest' }, ...COMMON_ERRORS },
      },
    },
    '/tasks/{taskId}': {
      get: {
        operationId: 'get_task',
        tags: ['tasks'],
        summary: 'One task record, with its result once finished',
        parameters: [taskIdParam],
        responses: { '200': { description: 'OK', content: json(ref('TaskRecord')) }, '404': notFound('task_not_found'), ...COMMON_ERRORS },
      },
    },
    '/tasks/{taskId}/documents/{format}': {
      get: {
        operationId: 'get_task_document',
        tags: ['tasks'],
        summary: 'A document the task generated (generate_documents: true)',
        parameters: [taskIdParam, { name: 'format', in: 'path', required: true, schema: { type: 'string', enum: DOCUMENT_FORMATS } }],
        responses: {
          '200': {
            description: 'The document, as an attachment named after the task title (Content-Disposition)',
            content: Object.fromEntries(DOCUMENT_FORMATS.map((f) => [FORMATS[f].mimeType.split(';')[0]!, { schema: FORMATS[f].binary ? { type: 'string', format: 'binary' } : { type: 'string' } }])),
          },
          '400': errorResponse('validation_error: not a document format'),
          '404': notFound('task_not_found, or not_found when the task has no such document'),
          ...COMMON_ERRORS,
        },
      },
    },
    '/stream/{taskId}': streamPath(),
  };
}

function webhookPaths(): Record<string, Json> {
  const op = (id: string, summary: string, request: string, status: string, response: string) => ({
    post: {
      operationId: id,
      tags: ['webhooks'],
      summary,
      requestBody: { required: true, content: json(ref(request)) },
      responses: { [status]: { description: 'OK', content: json(ref(response)) }, '404': notFound('task_not_found'), ...BODY_ERRORS, ...COMMON_ERRORS },
    },
  });
  return {
    '/webhook/register': op(
      'register_webhook',
      "Call a URL on a task's events (signed per Standard Webhooks; private targets refused unless WEBHOOK_ALLOW_PRIVATE)",
      'WebhookRegisterRequest',
      '201',
      'WebhookRegistered',
    ),
    '/webhook/unregister': op('unregister_webhook', "Remove a task's webhooks", 'WebhookUnregisterRequest', '200', 'WebhookUnregistered'),
  };
}

function mcpPath(): Json {
  const description =
    'MCP Streamable HTTP: JSON-RPC 2.0 messages in, JSON or an SSE stream out. Stateless for protocol 2026-07-28; ' +
    'sessions (Mcp-Session-Id) for the handshake era (2024-11-05 to 2025-11-25). Use an MCP client, not this document.';
  const rpc = { type: 'object', properties: { jsonrpc: { const: '2.0' }, method: { type: 'string' }, id: { type: ['string', 'integer'] } } };
  const answers = {
    '200': { description: 'JSON-RPC answer', content: { 'application/json': { schema: rpc }, 'text/event-stream': { schema: { type: 'string' } } } },
    '202': { description: 'A notification or response was accepted' },
    '400': { description: 'Not a valid MCP request (JSON-RPC error body)' },
    '403': { description: 'Host or Origin not allowed (DNS rebinding guard)' },
    '404': { description: 'Unknown or expired session' },
    ...COMMON_ERRORS,
  };
  return {
    post: { operationId: 'mcp_post', tags: ['mcp'], summary: 'Send MCP messages', description, requestBody: { required: true, content: json(rpc) }, responses: answers },
    get: { operationId: 'mcp_get', tags: ['mcp'], summary: 'Server-to-client stream of a session', description, responses: answers },
    delete: { operationId: 'mcp_delete', tags: ['mcp'], summary: 'End a session', description, responses: answers },
  };
}

function servicePaths(metrics: boolean): Record<string, Json> {
  const paths: Record<string, Json> = {
    '/health': {
      get: {
        operationId: 'health',
        tags: ['service'],
        summary: 'Is the server up and its store usable? Never needs a key',
        security: [],
        responses: {
          '200': { description: 'Healthy', content: json(ref('Health')) },
          '503': { description: 'Unhealthy: status "unhealthy" and a reason', content: json(ref('Health')) },
        },
      },
    },
    '/tools': {
      get: {
        operationId: 'list_tools',
        tags: ['tools'],
        summary: 'The orchestration tools with their JSON Schemas (as MCP tools/list)',
        responses: { '200': { description: 'OK', content: json(ref('ToolsList')) }, ...COMMON_ERRORS },
      },
    },
    '/openapi.json': {
      get: { operationId: 'openapi', tags: ['service'], summary: 'This document (public, like the page)', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
    },
    '/docs': {
      get: { operationId: 'docs', tags: ['service'], summary: 'API reference page (renders this document)', security: [], responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } },
    },
  };
  if (metrics) {
    paths['/metrics'] = {
      get: {
        operationId: 'metrics',
        tags: ['service'],
        summary: 'Prometheus metrics (see docs/observability.md)',
        responses: { '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    };
  }
  return paths;
}

/** Every route but the tools: service, tasks and streams, webhooks, MCP. */
export function otherPaths(options: { metrics: boolean }): Record<string, Json> {
  return { ...servicePaths(options.metrics), ...taskPaths(), ...webhookPaths(), '/mcp': mcpPath() };
}
