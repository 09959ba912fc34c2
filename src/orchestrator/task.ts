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

export interface DocumentRef {
  format: 'markdown';
  filename: string;
  bytes: number;
  /** Path (or absolute URL) where the document can be fetched. */
  url: string;
}

export interface TaskResult {
  final_synthesis: string;
  agent_results: AgentResult[];
  /** Mid-level (drummer) and executive (camina) syntheses, or the swarm's one synthesis. */
  synthesis_results: AgentResult[];
  subtasks: string[];
  failed_agents: string[];
  documents: DocumentRef[];
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
}

export function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cost_usd: 0, price_known: true };
}
