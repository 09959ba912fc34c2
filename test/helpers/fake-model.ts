import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';

/** What the fake model sees of a call. */
export interface FakeCall {
  index: number;
  system: string;
  prompt: string;
  modelId: string;
  /** Results of tool calls made in earlier steps (the prompt's `role: 'tool'` messages), in order. */
  toolResults: Array<{ toolName: string; output: unknown }>;
}

/** A tool call the model makes; the SDK runs the tool and calls the model again with its result. */
export interface FakeToolCall {
  name: string;
  input: Record<string, unknown>;
}

export type FakeAnswer = string | { error: Error } | { hang: true } | { toolCall: FakeToolCall };

export interface FakeModelOptions {
  /** The answer for a call; default: a short text naming the call. */
  respond?: (call: FakeCall) => FakeAnswer | Promise<FakeAnswer>;
  /** Delay before the answer streams (abortable). */
  delayMs?: number;
  chunkSize?: number;
}

/** An in-process language model (AI SDK LanguageModelV3) for unit tests: scripted answers, in-flight tracking. */
export interface FakeModel {
  factory: (modelId: string) => LanguageModelV3;
  calls: FakeCall[];
  inFlight: number;
  maxInFlight: number;
  aborted: number;
}

function textOf(options: LanguageModelV3CallOptions): { system: string; prompt: string } {
  let system = '';
  let prompt = '';
  for (const message of options.prompt) {
    if (message.role === 'system') system += message.content;
    else if (message.role === 'user') for (const part of message.content) if (part.type === 'text') prompt += part.text;
  }
  return { system, prompt };
}

function toolResultsOf(options: LanguageModelV3CallOptions): FakeCall['toolResults'] {
  const results: FakeCall['toolResults'] = [];
  for (const message of options.prompt) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type !== 'tool-result') continue;
      const { output } = part;
      results.push({ toolName: part.toolName, output: output.type === 'json' || output.type === 'text' ? output.value : output });
    }
  }
  return results;
}

function usageOf(input: number, output: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: input, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: undefined, reasoning: undefined },
  };
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

export function createFakeModel(options: FakeModelOptions = {}): FakeModel {
  const state: FakeModel = { factory: undefined as never, calls: [], inFlight: 0, maxInFlight: 0, aborted: 0 };
  // A planner asked for up to N sub-questions gets N, so every test exercises as many workers as it asked for.
  const respond =
    options.respond ??
    ((c) => {
      const asked = /at most (\d+)\b[^\n]*JSON array/i.exec(c.prompt);
      return asked ? JSON.stringify(Array.from({ length: Number(asked[1]) }, (_, i) => `sub-question ${i + 1}`)) : `answer ${c.index} from ${c.modelId}`;
    });
  state.factory = (modelId) => ({
    specificationVersion: 'v3',
    provider: 'fake',
    modelId,
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('fake model only streams')),
    async doStream(callOptions) {
      const call: FakeCall = { index: state.calls.length, modelId, ...textOf(callOptions), toolResults: toolResultsOf(callOptions) };
      state.calls.push(call);
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const signal = callOptions.abortSignal;
      const release = () => {
        state.inFlight--;
      };
      try {
        if (options.delayMs) await wait(options.delayMs, signal);
        const answer = await Promise.race([
          respond(call),
          new Promise<never>((_, reject) => {
            if (signal?.aborted) reject(signal.reason);
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          }),
        ]);
        if (typeof answer !== 'string' && 'error' in answer) throw answer.error;
        if (typeof answer !== 'string' && 'hang' in answer) await wait(3_600_000, signal);
        const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
        if (typeof answer !== 'string' && 'toolCall' in answer) {
          const input = JSON.stringify(answer.toolCall.input);
          parts.push({ type: 'tool-call', toolCallId: `fake-call-${call.index}`, toolName: answer.toolCall.name, input });
          parts.push({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool-calls' }, usage: usageOf(call.prompt.length, input.length) });
        } else {
          const text = answer as string;
          const size = options.chunkSize ?? 8;
          parts.push({ type: 'text-start', id: 't' });
          for (let i = 0; i < text.length; i += size) parts.push({ type: 'text-delta', id: 't', delta: text.slice(i, i + size) });
          parts.push({ type: 'text-end', id: 't' });
          parts.push({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usageOf(call.prompt.length, text.length) });
        }
        release();
        return {
          stream: new ReadableStream<LanguageModelV3StreamPart>({
            start(controller) {
              for (const p of parts) controller.enqueue(p);
              controller.close();
            },
          }),
        };
      } catch (error) {
        release();
        if (signal?.aborted) state.aborted++;
        throw error;
      }
    },
  });
  return state;
}
