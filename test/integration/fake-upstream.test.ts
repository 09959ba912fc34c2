import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { waitFor } from '../helpers/test-server.js';

let upstream: FakeUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

/** The fake itself, checked with the real AI SDK client, so the provider tests can trust it. */
describe('fake OpenAI-compatible upstream', () => {
  it('answers Chat Completions as JSON and as SSE chunks with usage, as the AI SDK reads them', async () => {
    upstream = await startFakeUpstream((r) => ({ kind: 'answer', text: `echo: ${r.prompt}`, usage: { prompt_tokens: 11, completion_tokens: 22 } }));
    const model = createOpenAI({ apiKey: 'k', baseURL: `${upstream.url}/v1` }).chat('m-1');

    const plain = await generateText({ model, prompt: 'hello', maxRetries: 0 });
    expect(plain.text).toBe('echo: hello');
    expect(plain.usage).toMatchObject({ inputTokens: 11, outputTokens: 22 });

    const streamed = streamText({ model, system: 'sys', prompt: 'a longer prompt to stream', maxRetries: 0 });
    const parts: string[] = [];
    for await (const delta of streamed.textStream) parts.push(delta);
    expect(parts.join('')).toBe('echo: a longer prompt to stream');
    expect(parts.length).toBeGreaterThan(1);
    expect(await streamed.usage).toMatchObject({ inputTokens: 11, outputTokens: 22 });

    expect(upstream.requests.map((r) => [r.model, r.stream, r.system, r.closed_early])).toEqual([
      ['m-1', false, '', false],
      ['m-1', true, 'sys', false],
    ]);
    expect(upstream.requests[1]!.messages.at(-1)).toEqual({ role: 'user', content: 'a longer prompt to stream' });
    expect(upstream.inFlight).toBe(0);
    expect(upstream.maxInFlight).toBe(1);
  });

  it('marks a request the client aborts as closed_early, and one it resets as not', async () => {
    upstream = await startFakeUpstream((r) => (r.index === 0 ? { kind: 'hang' } : { kind: 'reset' }));
    const model = createOpenAI({ apiKey: 'k', baseURL: `${upstream.url}/v1` }).chat('m');
    const controller = new AbortController();
    const hanging = generateText({ model, prompt: 'x', maxRetries: 0, abortSignal: controller.signal });
    await waitFor(() => upstream!.inFlight === 1, 2000);
    controller.abort();
    await expect(hanging).rejects.toThrow();
    await waitFor(() => upstream!.inFlight === 0, 1000);
    expect(upstream.requests[0]!.closed_early).toBe(true);

    await expect(generateText({ model, prompt: 'y', maxRetries: 0 })).rejects.toThrow();
    expect(upstream.requests[1]).toMatchObject({ action: 'reset', closed_early: false });
  });
});
