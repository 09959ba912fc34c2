import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';

/** Options for the zero-latency model. */
export interface ZeroModelOptions {
  /** Never answer: wait until the call is aborted (for a task that stays running). */
  hang?: boolean;
  /** Answer after a timer of this many ms (each call then ends in a turn of the event loop of its own). */
  delayMs?: number;
}

/** What a planner gets: a JSON array long enough for any `num_agents` (max 20). */
const PLAN = JSON.stringify(Array.from({ length: 20 }, (_, i) => `angle number ${i + 1}`));
const ANSWER = ['A short finding with a source ', 'https://example.org/a [1].'];

function isPlanner(options: LanguageModelV3CallOptions): boolean {
  return options.prompt.some((m) => m.role === 'system' && m.content.includes('planner'));
}

function partsFor(deltas: string[]): LanguageModelV3StreamPart[] {
  const chars = deltas.reduce((n, d) => n + d.length, 0);
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    ...deltas.map((delta): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't', delta })),
    { type: 'text-end', id: 't' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 100, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: chars, text: undefined, reasoning: undefined },
      },
    },
  ];
}

function waitForAbort(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return; // nothing can end it: hangs for good
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * An in-process AI SDK model (LanguageModelV3) that answers at once: no timers, no network,
 * two text deltas (a JSON plan for planners). What is left of a call's time is the SDK and us.
 */
export function createZeroModel(options: ZeroModelOptions = {}): (modelId: string) => LanguageModelV3 {
  return (modelId) => ({
    specificationVersion: 'v3',
    provider: 'zero',
    modelId,
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('the zero model only streams')),
    async doStream(callOptions) {
      if (options.hang) await waitForAbort(callOptions.abortSignal);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const parts = partsFor(isPlanner(callOptions) ? [PLAN] : ANSWER);
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  });
}
