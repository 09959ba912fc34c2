import { z } from 'zod';
import { ORCHESTRATION_TOOLS } from '../tools/orchestration-tools.js';
import { registerBody as webhookRegisterBody, unregisterBody as webhookUnregisterBody } from '../http/routes/webhooks.js';
import { errorResponse, pascal, type Json } from './parts.js';
import { otherPaths, toolPath } from './paths.js';
import * as bodies from './schemas.js';

/** Named request schemas: exactly the zod schemas the routes parse with, read as input. */
function requestSchemas(): Record<string, z.ZodType> {
  const named: Record<string, z.ZodType> = {
    WebhookRegisterRequest: webhookRegisterBody,
    WebhookUnregisterRequest: webhookUnregisterBody,
  };
  for (const tool of ORCHESTRATION_TOOLS) named[`${pascal(tool.name)}Request`] = tool.inputSchema;
  return named;
}

function responseSchemas(): Record<string, z.ZodType> {
  const named: Record<string, z.ZodType> = {
    ErrorBody: bodies.errorBody,
    Health: bodies.health,
    ToolsList: bodies.toolsList,
    TaskRecord: bodies.taskRecord,
    TaskList: bodies.taskList,
    TaskEvent: bodies.taskEvent,
    WebhookRegistered: bodies.webhookRegistered,
    WebhookUnregistered: bodies.webhookUnregistered,
  };
  for (const tool of ORCHESTRATION_TOOLS) {
    const schema = bodies.toolResponses[tool.name];
    if (!schema) throw new Error(`openapi: no response schema for tool ${tool.name} (add it to src/openapi/schemas.ts)`);
    named[`${pascal(tool.name)}Response`] = schema;
  }
  return named;
}

/** zod → JSON Schema 2020-12 (what OpenAPI 3.1 uses), one named component each, refs between them. */
function toComponents(named: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as Json;
    out[id] = rest;
  }
  return out;
}

export interface OpenApiOptions {
  version: string;
  /** Where the API is, as the client sees it (`/mcp` behind Caddy); default `/`. */
  serverUrl?: string;
  /** Document `GET /metrics` (when the app serves it). */
  metrics?: boolean;
}

/** The OpenAPI 3.1 document of the HTTP API, built from the routes' and tools' zod schemas. */
export function createOpenApiDocument(options: OpenApiOptions): Json {
  const paths: Record<string, Json> = otherPaths({ metrics: options.metrics ?? false });
  for (const tool of ORCHESTRATION_TOOLS) paths[`/tools/${tool.name}`] = toolPath(tool);
  return {
    openapi: '3.1.0',
    info: {
      title: 'mcp-orchestrator',
      version: options.version,
      description:
        'Multi-agent research and search orchestration over HTTP, Server-Sent Events and MCP. ' +
        'Every error answers the ErrorBody shape; every response carries X-Request-Id. ' +
        'When API_KEYS is set, every route but /health needs a key (Authorization: Bearer, or X-API-Key).',
    },
    servers: [{ url: options.serverUrl || '/' }],
    security: [{}, { bearerAuth: [] }, { apiKeyHeader: [] }],
    tags: [
      { name: 'service', description: 'Health and documentation' },
      { name: 'tools', description: 'The orchestration tools (the same table MCP tools/list serves)' },
      { name: 'tasks', description: 'Task records, event streams and documents' },
      { name: 'webhooks', description: 'Standard Webhooks per task' },
      { name: 'mcp', description: 'Model Context Protocol over Streamable HTTP' },
    ],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: { ...toComponents(requestSchemas(), 'input'), ...toComponents(responseSchemas(), 'output') },
      responses: {
        BadRequest: errorResponse('invalid_json or validation_error (details lists each problem)'),
        Unauthorized: errorResponse('unauthorized: API_KEYS is set and the request has no valid key'),
        PayloadTooLarge: errorResponse('payload_too_large: the body is over 1 MB'),
        UnsupportedMediaType: errorResponse('unsupported_media_type: the body is not application/json'),
        RateLimited: {
          ...errorResponse('rate_limited: too many requests for this key or client'),
          headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
        },
        InternalError: errorResponse('internal_error: generic message; the log line with request_id has the details'),
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        streamToken: { type: 'apiKey', in: 'query', name: 'token', description: 'The task-scoped token in stream_url (GET /stream only)' },
      },
    },
  };
}
