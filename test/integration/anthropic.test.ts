import { afterEach, describe, expect, it } from 'vitest';
import { PLANNER_SYSTEM } from '../../src/orchestrator/prompts.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';

let server: TestServer | undefined;
let fake: Awaited<ReturnType<typeof startFakeAnthropic>> | undefined;
afterEach(async () => {
  await server?.close();
  await fake?.close();
  server = fake = undefined;
});

describe('anthropic provider (Messages API) against a fake on a real socket', () => {
  it('runs a search with the requested model at every level and counts the reported usage', async () => {
    fake = await startFakeAnthropic((r) => (r.system === PLANNER_SYSTEM ? '["angle one", "angle two"]' : `answer for ${r.model}`));
    server = await startTestServer({ env: { ANTHROPIC_API_KEY: 'anthropic-test-key', ANTHROPIC_BASE_URL: `${fake.url}/v1` } });
    expect(server.services.models.defaultProvider).toBe('anthropic');
    const res = await fetch(`${server.url}/tools/orchestrate_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'anything', num_agents: 2, model: 'claude-test' }),
    });
    const { task_id } = (await res.json()) as { task_id: string };
    const record = await waitFor(async () => {
      const r = await server!.services.orchestrator.get(task_id);
      return r.status === 'completed' || r.status === 'failed' ? r : undefined;
    });
    expect(record.status).toBe('completed');
    expect(record.provider).toBe('anthropic');
    expect(fake.requests).toHaveLength(4);
    expect(fake.requests.every((r) => r.model === 'claude-test' && r.apiKey === 'anthropic-test-key' && r.stream && r.version)).toBe(true);
    expect(record.result?.subtasks).toEqual(['angle one', 'angle two']);
    expect(record.usage).toMatchObject({ input_tokens: 4 * 11, output_tokens: 4 * 7 });
    expect(record.result?.final_synthesis).toBe('answer for claude-test');
  });
});
