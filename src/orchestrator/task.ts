import type { DocumentFormat } from './formats/index.js';

/** Task states. `completed`, `failed` and `cancelled` are final. */
export const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.has(status);
}

export type PatternName = 'cascade' | 'swarm';

/** Where a running task is in its workflow. */
export type TaskPhase = 'queued' | 'planning' | 'agents' | 'synthesis' | 'documents' | 'done';

/** Token and cost accounting, summed from the provider's reported usage. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** False when some model call used a model missing from the price table (its cost counts as 0). */
  price_known: boolean;
}

export interface Citation {
  /** The task-wide number of the source (`result.sources[n-1]`). */
  n?: number;
  /** Where the claim comes from: a URL, or a corpus path with heading and lines. */
  source: string;
  title?: string;
  url?: string;
  lines?: string;
  snippet?: string;
}

export type AgentRole = 'planner' | 'worker' | 'drummer' | 'camina' | 'synthesizer';

/** One agent run (one model call, with its retries). */
export interface AgentResult {
  agent_id: string;
  role: AgentRole;
  /** For swarm workers: the agent type chosen from the angle's keywords. */
  agent_type?: string;
  subtask: string;
  content: string;
  status: 'completed' | 'failed' | 'cancelled';
  error: { code: string; message: string } | null;
  usage: { input_tokens: number; output_tokens: number };
  cost_usd: number;
  duration_ms: number;
  attempts: number;
  citations: Citation[];
}

/** How current a document is, from its path and its own words (see docs/corpus.md). */
export type Standing = 'current' | 'draft' | 'archived' | 'superseded';

/**
 * One thing an agent of the task read, numbered once for the whole task: the `[n]` of every
 * citation in the report, the stored documents, the console, the CLI and MCP results.
 */
export interface Source {
  n: number;
  kind: 'document' | 'web' | 'tool';
  /** A document's heading trail (or file name), a page's title, or the tool's name. */
  title: string;
  /** Corpus-relative path of a document. */
  path?: string;
  /** Heading trail of the cited section of a document (`Funding › Rounds`). */
  heading?: string;
  /** Inclusive line range `a-b` in the document's text (as `read_document` returns it). */
  lines?: string;
  url?: string;
  /** The document's own date (ISO `YYYY-MM-DD` or `YYYY-MM`), from its text, name or mtime. */
  date?: string;
  standing?: Standing;
  retrieved_at: string;
}

/** A document the task wrote (`generate_documents`); served at `url` as an attachment. */
export interface DocumentRef {
  format: DocumentFormat;
  /** The stored file's name (`<task_id>.<ext>`); downloads are named after the title. */
  filename: string;
  /** Size of the file in bytes. */
  size: number;
  /** Same as `size` (the first release's name). */
  bytes: number;
  /** Its `Content-Type`. */
  content_type: string;
  /** Path (or absolute URL) where the document can be fetched. */
  url: string;
}

/** A format that failed to render: its document is absent, the rest of the result stands. */
export interface DocumentError {
  format: DocumentFormat;
  code: 'render_failed';
  message: string;
}

export interface TaskResult {
  final_synthesis: string;
  agent_results: AgentResult[];
  /** Mid-level (drummer) and executive (camina) syntheses, or the swarm's one synthesis. */
  synthesis_results: AgentResult[];
  subtasks: string[];
  failed_agents: string[];
  documents: DocumentRef[];
  /** Formats asked for whose document could not be rendered (absent when none failed). */
  document_errors?: DocumentError[];
  /** Every source the agents read, numbered as the report cites them. */
  sources: Source[];
  /** Citations a model wrote that matched nothing the task read; removed from the report. */
  unverified_citations: number;
}

export interface TaskError {
  code: string;
  message: string;
}

/** The task record as stored and as sent to clients (SPEC section 2). */
export interface TaskRecord {
  task_id: string;
  status: TaskStatus;
  pattern: PatternName;
  title: string;
  /** The validated request, aliases resolved, defaults filled. */
  input: Record<string, unknown>;
  provider: string;
  model: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  progress: { phase: TaskPhase; agents_total: number; agents_done: number; agents_failed: number };
  usage: Usage;
  result?: TaskResult;
  error?: TaskError;
  /** The instance running it (or that last ran it), with several on one Redis. */
  instance?: string;
}

export function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cost_usd: 0, price_known: true };
}
