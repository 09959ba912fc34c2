import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, ResourceTemplate, type CacheHint, type McpServer } from '@modelcontextprotocol/server';
import { AppError } from '../errors.js';
import { DOCUMENT_FORMATS, FORMATS, isDocumentFormat } from '../orchestrator/formats/index.js';
import { isFinal, type TaskStatus } from '../orchestrator/task.js';
import type { McpBackend } from './backend.js';

/** How many recent tasks `resources/list` shows, and how many task ids a completion offers at most. */
export const RECENT_TASKS = 50;
/** How far back a task-id completion looks: the newest tasks, one page of `GET /tasks` (its largest). */
const COMPLETION_WINDOW = 100;

/**
 * Read hints (2026-07-28 only; SEP-2549). A finished task's report never changes again, but it is
 * the user's work: one client may keep it. A pattern is fixed for the life of the process and the
 * same for everyone. A task record (the server's default, `ttlMs: 0`) changes until the task ends.
 */
const REPORT_CACHE: CacheHint = { ttlMs: 60 * 60_000, cacheScope: 'private' };
const PATTERN_CACHE: CacheHint = { ttlMs: 10 * 60_000, cacheScope: 'public' };

/** `orchestrator://…` URIs: one scheme for everything this server exposes. */
export const taskUri = (taskId: string) => `orchestrator://tasks/${encodeURIComponent(taskId)}`;
export const reportUri = (taskId: string) => `${taskUri(taskId)}/report`;
export const documentUri = (taskId: string, format: string) => `${taskUri(taskId)}/documents/${encodeURIComponent(format)}`;
export const patternUri = (name: string) => `orchestrator://patterns/${encodeURIComponent(name)}`;

function one(value: string | string[] | undefined): string {
  return decodeURIComponent((Array.isArray(value) ? value[0] : value) ?? '');
}

/** Map the domain's errors onto resource errors: unknown things are "not found", the rest say their code. */
async function reading<T>(uri: URL, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AppError && error.status === 404) throw new ResourceNotFoundError(uri.href, error.message);
    if (error instanceof AppError) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `${error.code}: ${error.message}`, { code: error.code });
    throw error;
  }
}

/**
 * Task ids for a completion: the newest (up to {@link RECENT_TASKS}) among the last
 * {@link COMPLETION_WINDOW} tasks that start with what was typed (any case); `finished` keeps only
 * tasks that have ended (those with a report or a final error).
 */
export async function completeTaskIds(backend: McpBackend, typed: string, options: { finished?: boolean } = {}): Promise<string[]> {
  const prefix = typed.trim().toLowerCase();
  return (await backend.listTasks(COMPLETION_WINDOW))
    .filter((t) => t.task_id.toLowerCase().startsWith(prefix) && (!options.finished || isFinal(t.status as TaskStatus)))
    .slice(0, RECENT_TASKS)
    .map((t) => t.task_id);
}

const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] });

/**
 * Resources: a task's record (`orchestrator://tasks/{task_id}`), its report in Markdown
 * (`…/report`, once the task has finished) and each pattern (`orchestrator://patterns/{name}`).
 * `resources/list` gives the recent tasks and the patterns; the four templates are listed (documents: see `registerDocuments`). Their
 * variables complete: `task_id` to the newest tasks (finished ones for the report), `name` to the patterns.
 */
export function registerResources(server: McpServer, backend: McpBackend): void {
  const status = (taskId: string) => backend.callTool('get_orchestration_status', { task_id: taskId }, { task_id: taskId });

  server.registerResource(
    'task',
    new ResourceTemplate('orchestrator://tasks/{task_id}', {
      list: async () => ({
        resources: (await backend.listTasks(RECENT_TASKS)).map((t) => ({
          uri: taskUri(t.task_id),
          name: t.task_id,
          title: t.title,
          description: `${t.pattern} task, ${t.status}, created ${t.created_at}`,
          mimeType: 'application/json',
        })),
      }),
      complete: { task_id: (value) => completeTaskIds(backend, value) },
    }),
    { title: 'Task record', description: 'The task record as JSON: status, progress, usage, and its result once finished.', mimeType: 'application/json' },
    (uri, vars) => reading(uri, async () => json(uri, await status(one(vars.task_id)))),
  );

  server.registerResource(
    'task-report',
    new ResourceTemplate('orchestrator://tasks/{task_id}/report', {
      list: undefined,
      complete: { task_id: (value) => completeTaskIds(backend, value, { finished: true }) },
    }),
    { title: 'Task report', description: "The finished task's final synthesis, in Markdown.", mimeType: 'text/markdown', cacheHint: REPORT_CACHE },
    (uri, vars) =>
      reading(uri, async () => {
        const taskId = one(vars.task_id);
        const body = await backend.callTool('get_orchestration_result', { task_id: taskId }, { task_id: taskId });
        const result = body.result as { final_synthesis?: string } | null;
        const text = result?.final_synthesis || `_Task ${taskId} ended ${body.status as string} without a report._`;
        return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
      }),
  );

  registerDocuments(server, backend);

  const patterns = async () =>
    (await backend.callTool('list_orchestrator_patterns', {}, {})).patterns as Array<{ name: string; display_name: string; description: string }>;
  server.registerResource(
    'pattern',
    new ResourceTemplate('orchestrator://patterns/{name}', {
      list: async () => ({
        resources: (await patterns()).map((p) => ({ uri: patternUri(p.name), name: p.name, title: p.display_name, description: p.description, mimeType: 'application/json' })),
      }),
      complete: { name: async (value) => (await patterns()).map((p) => p.name).filter((n) => n.startsWith(value.trim().toLowerCase())) },
    }),
    { title: 'Orchestration pattern', description: 'A pattern (cascade, swarm): use cases and default configuration.', mimeType: 'application/json', cacheHint: PATTERN_CACHE },
    (uri, vars) =>
      reading(uri, async () => {
        const name = one(vars.name);
        const pattern = (await patterns()).find((p) => p.name === name);
        if (!pattern) throw new ResourceNotFoundError(uri.href, `no pattern named ${JSON.stringify(name)}`);
        return json(uri, pattern);
      }),
  );
}

/**
 * `orchestrator://tasks/{task_id}/documents/{format}`: a document the task wrote. Text formats
 * (Markdown) come as `text`, binary ones (PDF, DOCX) as a base64 `blob`, each with its MIME type.
 */
function registerDocuments(server: McpServer, backend: McpBackend): void {
  server.registerResource(
    'task-document',
    new ResourceTemplate('orchestrator://tasks/{task_id}/documents/{format}', {
      list: undefined,
      complete: {
        task_id: (value) => completeTaskIds(backend, value, { finished: true }),
        format: (value) => DOCUMENT_FORMATS.filter((f) => f.startsWith(value.trim().toLowerCase())),
      },
    }),
    { title: 'Task document', description: `A document the task wrote with generate_documents: ${DOCUMENT_FORMATS.join(', ')}.`, cacheHint: REPORT_CACHE },
    (uri, vars) =>
      reading(uri, async () => {
        const format = one(vars.format);
        if (!isDocumentFormat(format)) throw new ResourceNotFoundError(uri.href, `no document format ${JSON.stringify(format)}; one of ${DOCUMENT_FORMATS.join(', ')}`);
        const bytes = await backend.readDocument(one(vars.task_id), format);
        const { mimeType, binary } = FORMATS[format];
        const content = binary ? { blob: bytes.toString('base64') } : { text: bytes.toString('utf8') };
        return { contents: [{ uri: uri.href, mimeType: mimeType.split(';')[0]!, ...content }] };
      }),
  );
}
