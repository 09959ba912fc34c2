import { stepCountIs, streamText, type LanguageModel, type ToolSet } from 'ai';
import type { SharedV3ProviderOptions } from '@ai-sdk/provider';
import { describeError, isRetryable, retryDelayMs, sleep, type RetryPolicy } from './retry.js';

/** A slot in a concurrency limiter (p-limit's `limit` function has this shape). */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export interface AgentUsage {
  input_tokens: number;
  output_tokens: number;
}

/** Options for one agent run: one model call, with retries, bounded by limiters and a timeout. */
export interface RunAgentOptions {
  model: LanguageModel;
  system: string;
  prompt: string;
  /** Structured options for the model, by provider name (the orchestrator's brief rides here). */
  providerOptions?: SharedV3ProviderOptions;
  /** Aborts the run at once (cancel, task timeout, budget). Its `reason` is rethrown. */
  signal: AbortSignal;
  /** The whole run, retries included, counted from when the first attempt gets its slots. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** Acquired in order around each attempt (task limit, then server limit); never held while sleeping. */
  limiters: Limiter[];
  tools?: ToolSet;
  /** Who the agent's tool calls are for (`task:<id>`), for tools that share a resource fairly (calculate). */
  clientKey?: string;
  /** An attempt that receives nothing from the model for this long is aborted and retried. */
  idleTimeoutMs?: number;
  /** Bound on model/tool round trips when tools are given. */
  maxSteps?: number;
  /** Called once, when the first attempt has its limiter slots and the model call begins. */
  onStart?: () => void;
  onText?: (delta: string) => void;
  onRetry?: (info: { attempt: number; delay_ms: number; error: string }) => void;
  onToolCall?: (call: { tool_call_id: string; tool_name: string; input: unknown }) => void;
  onToolResult?: (result: { tool_call_id: string; tool_name: string; output: unknown; is_error: boolean }) => void;
}

export interface AgentOutcome {
  content: string;
  usage: AgentUsage;
  attempts: number;
}

/** Why an agent run failed; `code` goes into `agent_error` events and the record. */
export class AgentRunError extends Error {
  constructor(
    readonly code: 'agent_timeout' | 'model_error' | 'empty_response',
    message: string,
    readonly attempts: number,
    readonly usage: AgentUsage,
  ) {
    super(message);
    this.name = 'AgentRunError';
  }
}

async function attemptOnce(options: RunAgentOptions, signal: AbortSignal, usage: AgentUsage): Promise<string> {
  signal.throwIfAborted();
  // A stalled stream (no bytes for idleTimeoutMs) ends this attempt only; the agent retries.
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    if (options.idleTimeoutMs) timer = setTimeout(() => idle.abort(), options.idleTimeoutMs);
  };
  touch();
  try {
    return await streamAttempt(options, AbortSignal.any([signal, idle.signal]), usage, touch);
  } catch (error) {
    if (idle.signal.aborted && !signal.aborted) throw new Error(`the model sent nothing for ${options.idleTimeoutMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function streamAttempt(options: RunAgentOptions, signal: AbortSignal, usage: AgentUsage, touch: () => void): Promise<string> {
  const result = streamText({
    model: options.model,
    system: options.system,
    prompt: options.prompt,
    providerOptions: options.providerOptions,
    abortSignal: signal,
    maxRetries: 0,
    // Errors arrive as stream parts and are handled below; the SDK's default would print them.
    onError: () => undefined,
    tools: options.tools,
    experimental_context: options.clientKey ? { clientKey: options.clientKey } : undefined,
    stopWhen: stepCountIs(options.tools ? (options.maxSteps ?? 4) : 1),
  });
  let text = '';
  for await (const part of result.fullStream) {
    touch();
    switch (part.type) {
      case 'text-delta':
        text += part.text;
        options.onText?.(part.text);
        break;
      case 'finish-step':
        usage.input_tokens += part.usage.inputTokens ?? 0;
        usage.output_tokens += part.usage.outputTokens ?? 0;
        break;
      case 'tool-call':
        options.onToolCall?.({ tool_call_id: part.toolCallId, tool_name: part.toolName, input: part.input });
        break;
      case 'tool-result':
        options.onToolResult?.({ tool_call_id: part.toolCallId, tool_name: part.toolName, output: part.output, is_error: false });
        break;
      case 'tool-error':
        options.onToolResult?.({ tool_call_id: part.toolCallId, tool_name: part.toolName, output: describeError(part.error), is_error: true });
        break;
      case 'error':
        throw part.error;
      case 'abort':
        signal.throwIfAborted();
        throw new Error('model stream aborted');
    }
  }
  signal.throwIfAborted();
  if (!text.trim()) throw new AgentRunError('empty_response', 'the model returned no text', 0, usage);
  return text;
}

/** The agent's own deadline: armed when its first call starts, so waiting for a slot does not count. */
function createDeadline(timeoutMs: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  return {
    signal: controller.signal,
    arm() {
      timer ??= setTimeout(() => controller.abort(new DOMException('agent timed out', 'TimeoutError')), timeoutMs);
    },
    clear: () => clearTimeout(timer),
  };
}

function withLimiters<T>(limiters: Limiter[], signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  // Re-check the signal once a slot is granted: no new call starts after cancel.
  const run = limiters.reduceRight<() => Promise<T>>(
    (inner, limit) => () => limit(() => (signal.throwIfAborted(), inner())),
    () => (signal.throwIfAborted(), fn()),
  );
  return run();
}

/**
 * Run one agent: stream the model's answer, retrying 429/5xx/network failures with backoff
 * (honouring `Retry-After`) until its own timeout. Throws the task signal's reason when the task
 * is aborted, or `AgentRunError`.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentOutcome> {
  const deadline = createDeadline(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, deadline.signal]);
  const usage: AgentUsage = { input_tokens: 0, output_tokens: 0 };
  const timedOut = () => new AgentRunError('agent_timeout', `agent timed out after ${options.timeoutMs} ms`, attempts, usage);
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      try {
        const content = await withLimiters(options.limiters, signal, () => {
          if (attempts === 1) {
            deadline.arm();
            options.onStart?.();
          }
          return attemptOnce(options, signal, usage);
        });
        return { content, usage, attempts };
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason;
        if (deadline.signal.aborted) throw timedOut();
        const retryable = error instanceof AgentRunError || isRetryable(error);
        if (!retryable || attempts > options.retry.maxRetries) {
          if (error instanceof AgentRunError) throw new AgentRunError(error.code, error.message, attempts, usage);
          throw new AgentRunError('model_error', describeError(error), attempts, usage);
        }
        const delay = retryDelayMs(error, attempts - 1, options.retry);
        options.onRetry?.({ attempt: attempts + 1, delay_ms: delay, error: describeError(error) });
        try {
          await sleep(delay, signal);
        } catch {
          if (options.signal.aborted) throw options.signal.reason;
          throw timedOut();
        }
      }
    }
  } finally {
    deadline.clear();
  }
}
