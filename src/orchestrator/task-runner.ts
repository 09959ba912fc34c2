import type { ToolSet } from 'ai';
import type { Limiter } from '../agents/run-agent.js';
import type { RetryPolicy } from '../agents/retry.js';
import type { EventType } from '../events/event.js';
import type { EventLog } from '../events/event-log.js';
import type { Logger } from '../logger.js';
import type { ModelResolver, ResolvedModel } from '../providers/model-resolver.js';
import type { PriceTable } from '../providers/prices.js';
import { StoreError } from '../store/store-error.js';
import type { Store } from '../store/store.js';
import { renderMarkdownReport, writeDocuments } from './documents.js';
import type { OrchestrateInput } from './inputs.js';
import { settleSynthesisText } from './citations.js';
import { PATTERNS } from './patterns/index.js';
import type { PatternOutput } from './patterns/pattern.js';
import { TaskAbort, TaskFailure } from './task-abort.js';
import { TaskContext } from './task-context.js';
import type { TaskRecord, TaskResult } from './task.js';

/** Everything a task run needs from the server. */
export interface TaskRunnerDeps {
  store: Store;
  events: EventLog;
  models: ModelResolver;
  prices: PriceTable;
  logger: Logger;
  retry: RetryPolicy;
  progressIntervalMs: number;
  /** A model stream silent this long is aborted and retried. */
  idleTimeoutMs?: number;
  /** The server-wide limiter; each task adds its own in front of it. */
  serverLimiter: Limiter;
  createTaskLimiter: () => Limiter;
  /** The tools agents are offered, as they are when an agent starts (an MCP server's come and go). */
  agentTools?: () => ToolSet;
}

/** How a run begins. */
export interface RunTaskOptions {
  /** The task was started by an instance that died: keep what its agents finished, and say so. */
  resumed?: boolean;
}

/** Run one task from `running` to its final state. Never throws. */
export async function runTask(
  record: TaskRecord,
  model: ResolvedModel,
  controller: AbortController,
  deps: TaskRunnerDeps,
  options: RunTaskOptions = {},
): Promise<void> {
  const input = record.input as OrchestrateInput;
  const logger = deps.logger.child({ task_id: record.task_id });
  const emit = (type: EventType, data?: Record<string, unknown>, agentId?: string) =>
    deps.events.append(record.task_id, { event_type: type, data, agent_id: agentId });
  // Every save carries the results so far, so a crash mid-task keeps what the agents finished.
  const save = () => {
    clearImmediate(pendingSave);
    pendingSave = undefined;
    record.result = buildResult(ctx, record.result?.final_synthesis ?? '');
    deps.store.tasks.save(record);
  };
  // While the task runs, readers see the live record; the stored copy (what survives a crash) is
  // written once per turn of the event loop however many agents changed it in that turn — twenty
  // agents finishing together no longer mean twenty copies of the whole record.
  let pendingSave: NodeJS.Immediate | undefined;
  const saveSoon = () => {
    pendingSave ??= setImmediate(() => {
      try {
        save();
      } catch (error) {
        logger.error({ err: error }, 'task save failed');
      }
    });
  };
  const timer = setTimeout(
    () => controller.abort(new TaskAbort('timeout', `task exceeded its timeout of ${input.timeout} s`)),
    input.timeout * 1000,
  );
  const ctx = new TaskContext({
    record,
    model,
    prices: deps.prices,
    controller,
    limiters: [deps.createTaskLimiter(), deps.serverLimiter],
    retry: deps.retry,
    agentTimeoutMs: input.agent_timeout * 1000,
    progressIntervalMs: deps.progressIntervalMs,
    idleTimeoutMs: deps.idleTimeoutMs,
    tools: deps.agentTools,
    logger,
    emit,
    save: saveSoon,
    finished: options.resumed ? [...(record.result?.agent_results ?? []), ...(record.result?.synthesis_results ?? [])] : undefined,
  });
  if (options.resumed) resume(ctx);
  else emit('workflow_start', { pattern: record.pattern, title: record.title, provider: record.provider, model: record.model, input: record.input });
  logger.info({ pattern: record.pattern }, 'task started');
  let output: PatternOutput | undefined;
  try {
    output = await PATTERNS[record.pattern].run(ctx);
    controller.signal.throwIfAborted();
    await finishCompleted(ctx, output, deps, emit);
  } catch (error) {
    // Agents still unwinding from an abort report before the terminal event, never after it.
    await ctx.drain();
    if (isReleased(controller.signal)) {
      clearTimeout(timer);
      return release(ctx, save, logger);
    }
    finishFailed(ctx, output, controller.signal.aborted ? controller.signal.reason : error, emit, logger);
  }
  clearTimeout(timer);
  record.completed_at = new Date().toISOString();
  record.progress.phase = 'done';
  // A store that fails here must not turn into an unhandled rejection that takes the process down.
  try {
    save();
    emit('stream_closed', { status: record.status });
  } catch (error) {
    logger.error({ err: error }, 'task crashed');
  }
  logger.info({ status: record.status, usage: record.usage, error: record.error }, 'task finished');
}

const isReleased = (signal: AbortSignal) => signal.aborted && signal.reason instanceof TaskAbort && signal.reason.code === 'released';

/** Handed to another instance: what the agents finished is saved, the task stays `running`, and no end is written. */
function release(ctx: TaskContext, save: () => void, logger: Logger): void {
  try {
    save();
  } catch (error) {
    logger.error({ err: error }, 'task save failed');
  }
  logger.info({ agents_done: ctx.record.progress.agents_done }, 'task handed back to the queue');
}

/** Take up the sources of the run that died, numbered as its finished agents cited them. */
function resume(ctx: TaskContext): void {
  const result = ctx.record.result;
  if (!result) return;
  const cited = new Set([...result.agent_results, ...result.synthesis_results].filter((r) => r.status === 'completed').flatMap((r) => r.citations.map((c) => c.n ?? 0)));
  let numbered = 0;
  while (cited.has(numbered + 1)) numbered++;
  ctx.sources.restore(result.sources, numbered, result.unverified_citations);
  ctx.subtasks = result.subtasks;
  // Agents that failed there run again here, and are counted again.
  ctx.record.progress.agents_failed = 0;
}

async function finishCompleted(
  ctx: TaskContext,
  output: PatternOutput,
  deps: TaskRunnerDeps,
  emit: (type: EventType, data?: Record<string, unknown>) => void,
): Promise<void> {
  const record = ctx.record;
  const input = record.input as OrchestrateInput;
  // One source list, the task's, whatever level wrote the text (camina, or a concatenation).
  output.final_synthesis = settleSynthesisText(output.final_synthesis, ctx.sources, '## Sources').content;
  record.result = buildResult(ctx, output.final_synthesis);
  if (input.generate_documents) {
    ctx.setPhase('documents');
    emit('document_generation_start', { formats: input.document_formats });
    const markdown = renderMarkdownReport(record, output.final_synthesis, ctx.agentResults);
    // A format that fails to render is named in document_errors; the task completes with the others.
    const written = await writeDocuments(deps.store.documents, record, markdown, input.document_formats, { signal: ctx.signal });
    record.result.documents.push(...written.documents);
    if (written.errors.length) record.result.document_errors = written.errors;
    emit('document_generation_complete', { documents: record.result.documents, ...(written.errors.length ? { errors: written.errors } : {}) });
  }
  ctx.signal.throwIfAborted();
  record.status = 'completed';
  emit('workflow_complete', {
    status: 'completed',
    usage: record.usage,
    failed_agents: record.result.failed_agents,
    final_synthesis: output.final_synthesis,
  });
}

function finishFailed(
  ctx: TaskContext,
  output: PatternOutput | undefined,
  reason: unknown,
  emit: (type: EventType, data?: Record<string, unknown>) => void,
  logger: Logger,
): void {
  const record = ctx.record;
  // Whatever the agents finished is kept.
  record.result = buildResult(ctx, output?.final_synthesis ?? '');
  if (reason instanceof TaskAbort && reason.code === 'cancelled') {
    record.status = 'cancelled';
    emit('workflow_cancelled', { status: 'cancelled', usage: record.usage });
    return;
  }
  if (reason instanceof TaskAbort || reason instanceof TaskFailure) {
    record.error = { code: reason.code, message: reason.message };
  } else if (reason instanceof StoreError) {
    logger.error({ err: reason }, 'task stopped: the store cannot write');
    record.error = { code: reason.taskCode, message: reason.message };
  } else {
    logger.error({ err: reason }, 'task crashed');
    record.error = { code: 'internal_error', message: 'internal error' };
  }
  record.status = 'failed';
  emit('workflow_error', { status: 'failed', error: record.error, usage: record.usage });
}

function buildResult(ctx: TaskContext, finalSynthesis: string): TaskResult {
  return {
    final_synthesis: finalSynthesis,
    agent_results: ctx.agentResults,
    synthesis_results: ctx.synthesisResults,
    subtasks: ctx.subtasks,
    failed_agents: [...ctx.agentResults, ...ctx.synthesisResults].filter((r) => r.status !== 'completed').map((r) => r.agent_id),
    documents: ctx.record.result?.documents ?? [],
    ...(ctx.record.result?.document_errors ? { document_errors: ctx.record.result.document_errors } : {}),
    sources: ctx.sources.list(),
    unverified_citations: ctx.sources.unverified,
  };
}
