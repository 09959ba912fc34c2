import type { ToolSet } from 'ai';
import { AgentRunError, runAgent, type Limiter } from '../agents/run-agent.js';
import type { RetryPolicy } from '../agents/retry.js';
import type { EventType } from '../events/event.js';
import type { Logger } from '../logger.js';
import type { ResolvedModel } from '../providers/model-resolver.js';
import type { PriceTable } from '../providers/prices.js';
import { settleSynthesisText, settleWorkerText } from './citations.js';
import { createCoalescer } from './coalescer.js';
import { SourceLedger } from './source-ledger.js';
import type { AgentResult, AgentRole, TaskPhase, TaskRecord } from './task.js';
import { TaskAbort } from './task-abort.js';

/**
 * What an agent is asked, in structured form. It reaches the model as `providerOptions.orchestrator`
 * (providers ignore keys that are not theirs), so a model that reads structure — the offline
 * `local` one — never has to parse the prompt's wording.
 */
export interface AgentBrief {
  role: AgentRole;
  /** The user's request. */
  task: string;
  /** A worker's sub-question or search angle. */
  question?: string;
  /** A planner's upper bound on sub-questions, and what it plans. */
  count?: number;
  plan?: 'subtasks' | 'search angles';
  agent_type?: string;
  /** A synthesizer's inputs: labelled findings, cited with the task's source numbers. */
  findings?: Array<{ label: string; content: string }>;
}

/** What a pattern asks for one agent run. */
export interface AgentSpec {
  agentId: string;
  role: AgentRole;
  subtask: string;
  system: string;
  prompt: string;
  brief: AgentBrief;
  agentType?: string;
  /** Give this agent the registered tools (workers of model providers). */
  useTools?: boolean;
}

/** Shared parts a task context is built from. */
export interface TaskContextDeps {
  record: TaskRecord;
  model: ResolvedModel;
  prices: PriceTable;
  controller: AbortController;
  limiters: Limiter[];
  retry: RetryPolicy;
  agentTimeoutMs: number;
  progressIntervalMs: number;
  idleTimeoutMs?: number;
  tools?: () => ToolSet;
  logger: Logger;
  emit(type: EventType, data?: Record<string, unknown>, agentId?: string): void;
  /** Persist the record after a change worth keeping (progress, usage). */
  save(): void;
  /**
   * Agents of the same task that finished on an instance that died: an agent spec with the same
   * id and sub-question gets its result back without a model call.
   */
  finished?: AgentResult[];
}

/** What patterns see: the task's input, its signal, events, and one way to run an agent. */
export class TaskContext {
  readonly agentResults: AgentResult[] = [];
  readonly synthesisResults: AgentResult[] = [];
  /** Everything the task's agents read, and the numbers their citations get. */
  readonly sources = new SourceLedger();
  /** The sub-questions (or search angles) the planner made. */
  subtasks: string[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  private readonly finished: Map<string, AgentResult>;

  constructor(private readonly deps: TaskContextDeps) {
    this.finished = new Map((deps.finished ?? []).filter((r) => r.status === 'completed').map((r) => [r.agent_id, r]));
  }

  get record(): TaskRecord {
    return this.deps.record;
  }
  get signal(): AbortSignal {
    return this.deps.controller.signal;
  }

  emit(type: EventType, data?: Record<string, unknown>, agentId?: string): void {
    this.deps.emit(type, data, agentId);
  }

  setPhase(phase: TaskPhase): void {
    this.deps.record.progress.phase = phase;
    this.deps.save();
  }

  setSubtasks(subtasks: string[]): void {
    this.subtasks = subtasks;
    this.deps.save();
  }

  setAgentsTotal(total: number): void {
    this.deps.record.progress.agents_total = total;
    this.deps.save();
  }

  /** Run one agent and record it. Agent failures come back as a failed result; a task abort is thrown. */
  runAgent(spec: AgentSpec): Promise<AgentResult> {
    const kept = this.keep(spec);
    if (kept) return Promise.resolve(kept);
    const run = this.runTracked(spec);
    const settled = run.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return run;
  }

  /** The result an agent left before the task changed hands, recorded again as it was. */
  private keep(spec: AgentSpec): AgentResult | undefined {
    const kept = this.finished.get(spec.agentId);
    if (!kept || kept.subtask !== spec.subtask || kept.role !== spec.role) return undefined;
    this.finished.delete(spec.agentId);
    const isSynthesis = kept.role === 'drummer' || kept.role === 'camina' || kept.role === 'synthesizer';
    (isSynthesis ? this.synthesisResults : this.agentResults).push(kept);
    return kept;
  }

  /** Resolves once every agent started so far has finished (after an abort, they unwind quickly). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private async runTracked(spec: AgentSpec): Promise<AgentResult> {
    const { model } = this.deps;
    const startedAt = Date.now();
    const log = this.deps.logger.child({ agent_id: spec.agentId });
    // agent_start goes out when the agent gets its slots, not while it waits for them.
    let started = false;
    const onStart = () => {
      started = true;
      this.emit('agent_start', { role: spec.role, subtask: spec.subtask, agent_type: spec.agentType, provider: model.provider, model: model.modelId }, spec.agentId);
    };
    const progress = createCoalescer(this.deps.progressIntervalMs, (delta, total) =>
      this.emit('agent_progress', { delta, chars: total }, spec.agentId),
    );
    const result: AgentResult = {
      agent_id: spec.agentId,
      role: spec.role,
      ...(spec.agentType ? { agent_type: spec.agentType } : {}),
      subtask: spec.subtask,
      content: '',
      status: 'completed',
      error: null,
      usage: { input_tokens: 0, output_tokens: 0 },
      cost_usd: 0,
      duration_ms: 0,
      attempts: 0,
      citations: [],
    };
    // Each call's arguments, until its result: a tool source is named by them.
    const calls = new Map<string, unknown>();
    try {
      const outcome = await runAgent({
        model: model.model,
        system: spec.system,
        prompt: spec.prompt,
        providerOptions: { orchestrator: { ...spec.brief } },
        signal: this.signal,
        timeoutMs: this.deps.agentTimeoutMs,
        idleTimeoutMs: this.deps.idleTimeoutMs,
        retry: this.deps.retry,
        limiters: this.deps.limiters,
        tools: spec.useTools ? this.deps.tools?.() : undefined,
        clientKey: `task:${this.record.task_id}`,
        onStart,
        onText: (delta) => progress.push(delta),
        onRetry: (info) => {
          progress.reset();
          log.warn({ ...info }, 'agent retry');
          this.emit('agent_retry', info, spec.agentId);
        },
        onToolCall: (call) => {
          calls.set(call.tool_call_id, call.input);
          this.emit('agent_tool_call', call, spec.agentId);
        },
        onToolResult: (res) => {
          if (!res.is_error) this.sources.noteToolResult(res.tool_name, res.output, calls.get(res.tool_call_id));
          calls.delete(res.tool_call_id);
          this.emit('agent_tool_result', res, spec.agentId);
        },
      });
      progress.flush();
      const settled = this.settle(spec.role, outcome.content);
      Object.assign(result, { content: settled.content, citations: settled.citations, usage: outcome.usage, attempts: outcome.attempts });
    } catch (error) {
      progress.flush();
      const aborted = error instanceof TaskAbort;
      const failure = error instanceof AgentRunError ? error : undefined;
      result.status = aborted ? 'cancelled' : 'failed';
      result.error = aborted
        ? { code: error.code, message: error.message }
        : { code: failure?.code ?? 'internal_error', message: failure?.message ?? 'agent failed' };
      if (failure) Object.assign(result, { usage: failure.usage, attempts: failure.attempts });
      if (!failure && !aborted) log.error({ err: error }, 'agent crashed');
    }
    result.duration_ms = Date.now() - startedAt;
    this.account(result);
    this.finishAgent(result, started);
    if (this.signal.aborted) throw this.signal.reason;
    return result;
  }

  /** The agent's text in the task's source numbering, citations of nothing read removed. */
  private settle(role: AgentRole, content: string) {
    if (role === 'worker') return settleWorkerText(content, this.sources);
    if (role === 'planner') return { content, citations: [] };
    return settleSynthesisText(content, this.sources, role === 'drummer' ? 'Sources:' : '## Sources');
  }

  private account(result: AgentResult): void {
    const { record, model, prices } = this.deps;
    const { cost_usd, known } = prices.cost(model.provider, model.modelId, result.usage.input_tokens, result.usage.output_tokens);
    result.cost_usd = cost_usd;
    record.usage.input_tokens += result.usage.input_tokens;
    record.usage.output_tokens += result.usage.output_tokens;
    record.usage.cost_usd += cost_usd;
    if (!known && result.usage.input_tokens + result.usage.output_tokens > 0) record.usage.price_known = false;
    const budget = (record.input as { max_total_cost?: number }).max_total_cost;
    if (budget !== undefined && record.usage.cost_usd > budget && !this.signal.aborted) {
      this.deps.controller.abort(
        new TaskAbort('budget_exceeded', `cost $${record.usage.cost_usd.toFixed(6)} passed max_total_cost $${budget}`),
      );
    }
  }

  /** Record the agent; one that never got to call its model (cancelled in the queue) leaves no events. */
  private finishAgent(result: AgentResult, started: boolean): void {
    const isSynthesis = result.role === 'drummer' || result.role === 'camina' || result.role === 'synthesizer';
    (isSynthesis ? this.synthesisResults : this.agentResults).push(result);
    if (!started) {
      this.deps.save();
      return;
    }
    const progress = this.deps.record.progress;
    if (result.status === 'completed') progress.agents_done++;
    else progress.agents_failed++;
    const summary = { role: result.role, usage: result.usage, cost_usd: result.cost_usd, duration_ms: result.duration_ms, attempts: result.attempts };
    if (result.status === 'completed') {
      this.emit('agent_complete', { ...summary, content: result.content, citations: result.citations }, result.agent_id);
    } else {
      this.emit('agent_error', { ...summary, error: result.error }, result.agent_id);
    }
    this.deps.save();
  }
}
