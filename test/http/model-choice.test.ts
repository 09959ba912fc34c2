import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { PLANNER_SYSTEM } from '../../src/orchestrator/prompts.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import { errorCode, v2Http } from '../mcp/clients.js';
import { detailPaths, expectError, useServers } from './route-harness.js';

const servers = useServers();
const fakes: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const research = (server: TestServer, body: Record<string, unknown>) =>
  request(server.url).post('/tools/orchestrate_research').send({ task: 'how do streams resume', num_agents: 2, ...body });

/** Nothing was stored or queued. */
async function expectNothingStored(server: TestServer) {
  const list = await request(server.url).get('/tasks').expect(200);
  expect(list.body.tasks).toEqual([]);
  expect(server.services.orchestrator.activeCount + server.services.orchestrator.pendingCount).toBe(0);
}

const finished = (server: TestServer, taskId: string) =>
  waitFor(async () => {
    const record = await server.services.orchestrator.get(taskId);
    return record.completed_at ? record : undefined;
  });

describe('choosing a model (SPEC §8: a model of a provider without a key, or one it does not know, is a 400)', () => {
  it('regression: gpt-4o-mini with no OpenAI key no longer runs silently on local — 400 naming openai and OPENAI_API_KEY', async () => {
    const server = await servers.plain();
    const error = expectError(await research(server, { model: 'gpt-4o-mini' }), 400, 'validation_error');
    expect(error.message).toBe('model "gpt-4o-mini" is an openai model, and openai is not configured: set OPENAI_API_KEY');
    expect(detailPaths(error)).toEqual(['model']);
    await expectNothingStored(server);
  });

  it('provider local with model gpt-4o is a 400: local knows only extractive', async () => {
    const server = await servers.plain();
    const error = expectError(await research(server, { provider: 'local', model: 'gpt-4o' }), 400, 'validation_error');
    expect(error.message).toContain('local knows only extractive');
    expect(detailPaths(error)).toEqual(['model']);
    await expectNothingStored(server);
  });

  it('search is checked the same way', async () => {
    const server = await servers.plain({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/v1' });
    const res = await request(server.url).post('/tools/orchestrate_search').send({ query: 'q', provider: 'anthropic', model: 'grok-3' });
    expect(expectError(res, 400, 'validation_error').message).toContain('is an xai model, not an anthropic one');
    await expectNothingStored(server);
  });

  it('claude-… runs on anthropic when only ANTHROPIC_API_KEY is set, though the default provider is local', async () => {
    const fake = await startFakeAnthropic((r) => (r.system === PLANNER_SYSTEM ? '["one", "two"]' : `answer from ${r.model}`));
    fakes.push(fake);
    const server = await servers.plain({ DEFAULT_PROVIDER: 'local', ANTHROPIC_API_KEY: 'anthropic-key', ANTHROPIC_BASE_URL: `${fake.url}/v1` });
    const res = await research(server, { model: 'claude-haiku-4-5', enable_drummer: false }).expect(202);
    const record = await finished(server, res.body.task_id);
    expect(record).toMatchObject({ status: 'completed', provider: 'anthropic', model: 'claude-haiku-4-5' });
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.every((r) => r.model === 'claude-haiku-4-5')).toBe(true);
  });

  it('llama3.1 is accepted on openai with OPENAI_BASE_URL set (an OpenAI-compatible server), and is what the server is asked for', async () => {
    const upstream: FakeUpstream = await startFakeUpstream();
    fakes.push(upstream);
    const server = await servers.plain({ OPENAI_API_KEY: 'ollama', OPENAI_BASE_URL: `${upstream.url}/v1` });
    const res = await research(server, { model: 'llama3.1', enable_drummer: false }).expect(202);
    const record = await finished(server, res.body.task_id);
    expect(record).toMatchObject({ status: 'completed', provider: 'openai', model: 'llama3.1' });
    expect(upstream.requests.length).toBeGreaterThan(0);
    expect(upstream.requests.map((r) => r.model)).toEqual(Array(upstream.requests.length).fill('llama3.1'));
  });

  it('an unrecognised name with no provider goes to the default provider: local refuses it and says to name openai', async () => {
    const server = await servers.plain({ OPENAI_API_KEY: 'ollama', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', DEFAULT_PROVIDER: 'local' });
    const error = expectError(await research(server, { model: 'llama3.1' }), 400, 'validation_error');
    expect(error.message).toContain('local knows only extractive; to send it to openai, set provider to openai');
    await expectNothingStored(server);
    await research(server, { model: 'llama3.1', provider: 'openai' }).expect(202);
  });

  it('llama3.1 with an OpenAI key but the default base URL is a 400 saying to set OPENAI_BASE_URL', async () => {
    const server = await servers.plain({ OPENAI_API_KEY: 'sk-real' });
    const error = expectError(await research(server, { model: 'llama3.1' }), 400, 'validation_error');
    expect(error.message).toContain('set OPENAI_BASE_URL');
    await expectNothingStored(server);
  });

  it('MCP answers the same refusal as a tool error, and stores nothing', async () => {
    const server = await servers.plain();
    const client = await v2Http(server.url);
    try {
      const result = await client.call('orchestrate_research', { task: 't', model: 'gpt-4o-mini' });
      expect(errorCode(result)).toBe('validation_error');
      expect(result.content[0]?.text).toContain('set OPENAI_API_KEY');
      await expectNothingStored(server);
    } finally {
      await client.close();
    }
  });
});
