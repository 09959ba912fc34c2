import type { DocumentStore } from '../store/store.js';
import type { EventLog } from '../events/event-log.js';
import { readStoredDocument } from '../orchestrator/documents.js';
import type { DocumentFormat } from '../orchestrator/formats/index.js';
import type { SwarmOrchestrator } from '../orchestrator/swarm-orchestrator.js';
import { findOrchestrationTool, type ToolContext, type UrlBuilder } from '../tools/orchestration-tools.js';
import { NotFoundError, ToolNotFoundError } from '../errors.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { WebhookService } from '../webhooks/webhook-service.js';

/** One event of a task's stream, as the MCP layer reads it (SPEC section 3). */
export interface StreamEvent {
  event_type: string;
  seq: number;
  agent_id?: string;
  data: Record<string, unknown>;
}

/** A task in a list: the record without its result. */
export interface TaskSummary {
  task_id: string;
  status: string;
  pattern: string;
  title: string;
  created_at: string;
}

/**
 * What the MCP server serves from: the domain in this process, or a running HTTP server
 * (`mcp-orchestrator mcp --remote`). Errors are `AppError`s with the SPEC's codes.
 */
export interface McpBackend {
  /** Run one tool of the shared table. `input` is the table schema's output, `raw` what the client sent. */
  callTool(name: string, input: unknown, raw: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The newest tasks, newest first. */
  listTasks(limit: number): Promise<TaskSummary[]>;
  /**
   * Deliver the task's events after `afterSeq` (history, then live) until `stream_closed`;
   * resolves then, rejects with the signal's reason when it aborts first.
   */
  follow(taskId: string, afterSeq: number, onEvent: (event: StreamEvent) => void, signal: AbortSignal): Promise<void>;
  /** The bytes of a document the task wrote (`generate_documents`); `not_found` when it has none. */
  readDocument(taskId: string, format: DocumentFormat): Promise<Buffer>;
}

/** What the in-process backend needs from the domain. */
export interface LocalBackendDeps {
  orchestrator: SwarmOrchestrator;
  registry: ToolRegistry;
  events: EventLog;
  /** For `webhook_url` on the tools that start a task. */
  webhooks?: WebhookService;
  /** Where the tasks' documents are stored; without it documents are not found. */
  documents?: DocumentStore;
}

/** The backend over the domain in this process; `urls` says where this client stands. */
export function createLocalBackend(deps: LocalBackendDeps, urls: UrlBuilder): McpBackend {
  const context: ToolContext = { orchestrator: deps.orchestrator, registry: deps.registry, webhooks: deps.webhooks, urls };
  return {
    async callTool(name, input) {
      const tool = findOrchestrationTool(name);
      if (!tool) throw new ToolNotFoundError(name);
      return tool.handler(input, context);
    },
    async listTasks(limit) {
      return (await deps.orchestrator.list({ limit })).tasks;
    },
    async readDocument(taskId, format) {
      const record = await deps.orchestrator.get(taskId);
      if (!deps.documents) throw new NotFoundError(`documents are not served here (task ${taskId})`);
      return readStoredDocument(deps.documents, record, format);
    },
    async follow(taskId, afterSeq, onEvent, signal) {
      await deps.orchestrator.get(taskId); // task_not_found before following anything
      return new Promise<void>((resolve, reject) => {
        let stop = (): void => {}; // until `follow` answers its own
        let closed = false;
        const onAbort = () => {
          stop();
          reject(signal.reason);
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        stop = deps.events.follow(taskId, afterSeq, (event) => {
          if (closed) return;
          onEvent(event);
          if (event.event_type !== 'stream_closed') return;
          closed = true;
          stop();
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        });
        // History may be delivered inside `follow`, before `stop` exists: a finished task ends here.
        if (closed) stop();
      });
    },
  };
}
