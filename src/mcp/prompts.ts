import { completable, ProtocolError, ProtocolErrorCode, type GetPromptResult, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { PROVIDER_NAMES } from '../config.js';
import { AppError } from '../errors.js';
import { listOrchestrationTools } from '../tools/orchestration-tools.js';
import type { McpBackend } from './backend.js';
import { completeTaskIds, reportUri, taskUri } from './resources.js';

/** A property of a tool's listed JSON Schema, as far as the prompts read it. */
interface PropertySchema {
  description?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

interface ListedTool {
  description: string;
  properties: Record<string, PropertySchema>;
}

let listed: Map<string, ListedTool> | undefined;
/** The tool table as `tools/list` shows it: prompts take their words and limits from there, so they cannot drift. */
function tool(name: string): ListedTool {
  listed ??= new Map(
    listOrchestrationTools().map((t) => [t.name, { description: t.description, properties: (t.inputSchema.properties ?? {}) as Record<string, PropertySchema> }]),
  );
  return listed.get(name)!;
}

/** A required text argument, with the tool property's description and length limit. */
function text(prop: PropertySchema) {
  return z
    .string()
    .trim()
    .min(1)
    .max(prop.maxLength ?? 5000)
    .describe(prop.description ?? '');
}

/** Every whole number the tool accepts for `num_agents`; completion offers those starting with what was typed. */
function agentCounts(prop: PropertySchema): string[] {
  const min = prop.minimum ?? 1;
  const max = prop.maximum ?? min;
  return Array.from({ length: max - min + 1 }, (_, i) => String(min + i));
}

/** MCP prompt arguments are strings: `num_agents` is a decimal string in the tool's range. */
function agentCount(prop: PropertySchema) {
  const counts = agentCounts(prop);
  const fallback = prop.default === undefined ? '' : `, default ${String(prop.default)}`;
  const schema = z
    .string()
    .trim()
    .refine((v) => counts.includes(v), `must be a whole number from ${counts[0]} to ${counts.at(-1)}`)
    .describe(`Number of agents, ${counts[0]}–${counts.at(-1)}${fallback}`);
  return completable(schema, (value) => counts.filter((c) => c.startsWith(value.trim()))).optional();
}

function providerArg() {
  const schema = z.enum(PROVIDER_NAMES).describe(`Model provider (${PROVIDER_NAMES.join(', ')}); defaults to DEFAULT_PROVIDER`);
  return completable(schema, (value) => PROVIDER_NAMES.filter((p) => p.startsWith(value.trim().toLowerCase()))).optional();
}

const FOLLOW =
  'The call answers a task_id at once. Follow the task: call get_orchestration_status with that task_id (or read the resource ' +
  'orchestrator://tasks/<task_id>) until its status is completed, failed or cancelled; or add "wait": true to the call to keep it ' +
  'open until the task ends. Then read orchestrator://tasks/<task_id>/report (or call get_orchestration_result) and present the ' +
  'report as written, with its numbered citations and its Sources list; cite nothing the report does not. If the task failed or ' +
  'was cancelled, say so and give its error.';

/** The one message both starting prompts answer: which tool, with which arguments, then how to follow the task. */
function startMessage(toolName: string, args: Record<string, unknown>): GetPromptResult {
  const defined = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
  const body = `Call the tool ${toolName} of the mcp-orchestrator server with these arguments:\n\n${JSON.stringify(defined, null, 2)}\n\n${FOLLOW}`;
  return { messages: [{ role: 'user', content: { type: 'text', text: body } }] };
}

const count = (value: string | undefined) => (value === undefined ? undefined : Number(value));

function registerResearch(server: McpServer): void {
  const { description, properties } = tool('orchestrate_research');
  server.registerPrompt(
    'research',
    {
      title: 'Research',
      description: `Research a question with orchestrate_research and present the cited report. ${description}`,
      argsSchema: z.object({
        task: text(properties.task!),
        num_agents: agentCount(properties.num_agents!),
        provider: providerArg(),
        model: text(properties.model!).optional(),
      }),
    },
    ({ task, num_agents, provider, model }) => startMessage('orchestrate_research', { task, num_agents: count(num_agents), provider, model }),
  );
}

function registerSearch(server: McpServer): void {
  const { description, properties } = tool('orchestrate_search');
  server.registerPrompt(
    'search',
    {
      title: 'Search',
      description: `Search with orchestrate_search and present the grouped, cited findings. ${description}`,
      argsSchema: z.object({ query: text(properties.query!), num_agents: agentCount(properties.num_agents!) }),
    },
    ({ query, num_agents }) => startMessage('orchestrate_search', { query, num_agents: count(num_agents) }),
  );
}

/** A domain error (unknown task, task still running) as the prompt's error, code first, as tool errors read. */
function promptError(error: unknown): unknown {
  if (!(error instanceof AppError)) return error;
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `${error.code}: ${error.message}`, { code: error.code });
}

/** The finished task's report, embedded as its resource, and what to do with it. */
async function reportMessages(backend: McpBackend, taskId: string): Promise<GetPromptResult> {
  const body = await backend.callTool('get_orchestration_result', { task_id: taskId }, { task_id: taskId }).catch((e: unknown) => {
    throw promptError(e);
  });
  const report = (body.result as { final_synthesis?: string } | null)?.final_synthesis;
  const status = body.status as string;
  const resource = report
    ? { uri: reportUri(taskId), mimeType: 'text/markdown', text: report }
    : { uri: taskUri(taskId), mimeType: 'application/json', text: JSON.stringify(body, null, 2) };
  const ask = report
    ? `Above is the report of task ${taskId} (${status}). Present it as written, with its numbered citations and its Sources list.`
    : `Task ${taskId} ended ${status} without a report. Say so, and give its error from the record above.`;
  return {
    messages: [
      { role: 'user', content: { type: 'resource', resource } },
      { role: 'user', content: { type: 'text', text: ask } },
    ],
  };
}

function registerReport(server: McpServer, backend: McpBackend): void {
  const taskId = completable(z.string().trim().min(1).max(200).describe('A finished task; completes to the newest finished tasks'), (value) =>
    completeTaskIds(backend, value, { finished: true }),
  );
  server.registerPrompt(
    'report',
    {
      title: 'Task report',
      description: "Bring a finished task's report (orchestrator://tasks/{task_id}/report) into the conversation, to present or discuss.",
      argsSchema: z.object({ task_id: taskId }),
    },
    ({ task_id }) => reportMessages(backend, task_id),
  );
}

/**
 * Prompts (clients show them as slash commands): `research` and `search` ask the assistant to start
 * a task with the matching tool, follow it and present the cited report; `report` embeds a finished
 * task's report. Their arguments complete: `num_agents` to the tool's range, `provider` to the
 * provider names, `task_id` to the newest finished tasks. Built per server instance: `completable`
 * marks the schema object itself, and each 2026-07-28 request builds a fresh server.
 */
export function registerPrompts(server: McpServer, backend: McpBackend): void {
  registerResearch(server);
  registerSearch(server);
  registerReport(server, backend);
}
