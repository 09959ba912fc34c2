import { afterEach, describe, expect, it } from 'vitest';
import { createFakeModel } from '../helpers/fake-model.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('cascade pattern', () => {
  it('makes 12 model calls for 8 agents, all with the requested model, and completes', async () => {
    const fake = createFakeModel({
      respond: (c) => (c.system.includes('planner') ? JSON.stringify(Array.from({ length: 8 }, (_, i) => `sub-question ${i + 1}`)) : `finding for call ${c.index} https://example.org/${c.index}`),
    });
    server = await startTestServer({ env: { DEFAULT_PROVIDER: 'openai' }, providers: { openai: fake.factory } });
    const { orchestrator } = server.services;
    const accepted = await orchestrator.submit('cascade', { task: 'why is the sky blue', num_agents: 8, enable_drummer: true, enable_camina: true, timeout: 60, agent_timeout: 30, generate_documents: false, document_formats: ['markdown'], model: 'my-model' } as never);
    const done = await waitFor(async () => {
      const r = await orchestrator.get(accepted.task_id);
      return r.status === 'completed' ? r : undefined;
    });
    expect(fake.calls).toHaveLength(12);
    expect(new Set(fake.calls.map((c) => c.modelId))).toEqual(new Set(['my-model']));
    expect(done.result?.agent_results.filter((a) => a.role === 'worker')).toHaveLength(8);
    expect(done.result?.synthesis_results.map((s) => s.agent_id)).toEqual(['drummer-1', 'drummer-2', 'camina']);
    expect(done.result?.subtasks[0]).toBe('sub-question 1');
    expect(done.usage.input_tokens).toBeGreaterThan(0);
    expect(done.usage.price_known).toBe(false);
    const events = await server.services.events.history(accepted.task_id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.event_type).toBe('stream_closed');
    expect(events.at(-2)?.event_type).toBe('workflow_complete');
  });
});
