import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDER_NAMES } from '../../src/config.js';
import { ORCHESTRATION_TOOLS } from '../../src/tools/orchestration-tools.js';
import { cleanupChildren } from '../helpers/child-process.js';
import { waitFor } from '../helpers/test-server.js';
import { useServers } from '../http/route-harness.js';
import { MODERN, stdioParams } from './clients.js';

afterEach(cleanupChildren);
const servers = useServers();
const info = { name: 'prompts-tests', version: '1.0.0' };

type Era = 'legacy' | 'modern';
type AnyClient = Client | V1Client;
type Ref = { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };

/** A client of the era's SDK (v1 for the handshake era, v2 pinned to 2026-07-28) over real HTTP. */
async function httpClient(era: Era, url: string): Promise<AnyClient> {
  const endpoint = new URL(`${url}/mcp`);
  if (era === 'legacy') {
    const client = new V1Client(info);
    await client.connect(new V1StreamableHTTPClientTransport(endpoint));
    return client;
  }
  const client = new Client(info, { versionNegotiation: { mode: { pin: MODERN } } });
  await client.connect(new StreamableHTTPClientTransport(endpoint));
  expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
  return client;
}

const complete = async (client: AnyClient, ref: Ref, name: string, value: string) =>
  (await (client as Client).complete({ ref, argument: { name, value } })).completion.values;

const text = (content: { type: string; text?: string }) => (content.type === 'text' ? content.text! : '');

/** A tool call's structured answer (the v1 client takes a result schema before the options). */
async function call(client: AnyClient, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const params = { name, arguments: args };
  const options = { timeout: 60_000 };
  const result = client instanceof V1Client ? await client.callTool(params, undefined, options) : await client.callTool(params, options);
  return result.structuredContent as Record<string, unknown>;
}

/** Start a task over MCP and wait for its end; answers its id. */
async function finishedTask(client: AnyClient, tool: string, args: Record<string, unknown>): Promise<string> {
  const done = await call(client, tool, { ...args, num_agents: 1, wait: true });
  expect(done).toMatchObject({ status: 'completed' });
  return done.task_id as string;
}

const ERAS = [
  ['handshake era (v1 client)', 'legacy'],
  [`${MODERN} (v2 client)`, 'modern'],
] as const;

describe.each(ERAS)('MCP prompts and completions over HTTP: %s', (_label, era) => {
  it('advertises prompts and completions, and lists research, search and report with their arguments', async () => {
    const server = await servers.plain();
    const client = await httpClient(era, server.url);
    expect(client.getServerCapabilities()).toMatchObject({ prompts: {}, completions: {} });
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['research', 'search', 'report']);
    const byName = Object.fromEntries(prompts.map((p) => [p.name, p]));
    const args = (name: string) => byName[name]!.arguments!.map((a) => [a.name, a.required]);
    expect(args('research')).toEqual([['task', true], ['num_agents', false], ['provider', false], ['model', false]]);
    expect(args('search')).toEqual([['query', true], ['num_agents', false]]);
    expect(args('report')).toEqual([['task_id', true]]);
    // Their words come from the tool table.
    const tool = (name: string) => ORCHESTRATION_TOOLS.find((t) => t.name === name)!;
    expect(byName.research!.description).toContain(tool('orchestrate_research').description);
    expect(byName.search!.description).toContain(tool('orchestrate_search').description);
    expect(byName.research!.arguments![0]!.description).toBe('What to research');
    expect(byName.research!.arguments![1]!.description).toBe('Number of agents, 1–20, default 8');
    for (const prompt of prompts) expect(prompt.description!.length).toBeGreaterThan(0);
    await client.close();
  });

  it('answers messages that call the tool with the arguments given, and refuses arguments the tool would', async () => {
    const server = await servers.plain();
    const client = await httpClient(era, server.url);
    const research = await client.getPrompt({ name: 'research', arguments: { task: 'why is the sky blue', num_agents: '3', provider: 'local' } });
    expect(research.messages).toHaveLength(1);
    const body = text(research.messages[0]!.content);
    expect(research.messages[0]!.role).toBe('user');
    expect(body).toContain('orchestrate_research');
    expect(body).toContain('"task": "why is the sky blue"');
    expect(body).toContain('"num_agents": 3');
    expect(body).toContain('"provider": "local"');
    expect(body).not.toContain('model');
    expect(body).toMatch(/get_orchestration_status/);
    expect(body).toMatch(/orchestrator:\/\/tasks\/<task_id>\/report/);

    const search = await client.getPrompt({ name: 'search', arguments: { query: 'swarm patterns' } });
    const searchBody = text(search.messages[0]!.content);
    expect(searchBody).toContain('orchestrate_search');
    expect(searchBody).toContain('"query": "swarm patterns"');
    expect(searchBody).not.toContain('num_agents');

    await expect(client.getPrompt({ name: 'research', arguments: { task: 'x', num_agents: '21' } })).rejects.toThrow(/num_agents|1 to 20/);
    await expect(client.getPrompt({ name: 'research', arguments: { task: 'x', provider: 'nope' } })).rejects.toThrow(/provider/);
    await expect(client.getPrompt({ name: 'search', arguments: {} })).rejects.toThrow(/query/);
    await client.close();
  });

  it('completes num_agents to the tool range and provider to the provider names', async () => {
    const server = await servers.plain();
    const client = await httpClient(era, server.url);
    const research = { type: 'ref/prompt', name: 'research' } as const;
    expect(await complete(client, research, 'num_agents', '')).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(await complete(client, research, 'num_agents', '2')).toEqual(['2', '20']);
    expect(await complete(client, research, 'num_agents', '1')).toEqual(['1', ...Array.from({ length: 10 }, (_, i) => String(10 + i))]);
    expect(await complete(client, { type: 'ref/prompt', name: 'search' }, 'num_agents', '9')).toEqual(['9']);
    expect(await complete(client, research, 'provider', '')).toEqual([...PROVIDER_NAMES]);
    expect(await complete(client, research, 'provider', 'a')).toEqual(['anthropic']);
    expect(await complete(client, research, 'task', 'any')).toEqual([]);
    expect(await complete(client, { type: 'ref/resource', uri: 'orchestrator://patterns/{name}' }, 'name', 's')).toEqual(['swarm']);
    await client.close();
  });

  it('completes task ids by prefix, newest first: every task on the record, finished ones on the report', async () => {
    const { server } = await servers.withFake({ respond: (call) => (call.prompt.includes('qqhangqq') ? { hang: true } : `answer ${call.index}`) });
    const client = await httpClient(era, server.url);
    const research = await finishedTask(client, 'orchestrate_research', { task: 'first' });
    const search = await finishedTask(client, 'orchestrate_search', { query: 'second' });
    const hanging = (await call(client, 'orchestrate_research', { task: 'qqhangqq', num_agents: 1 })).task_id as string;
    await waitFor(async () => (await server.services.orchestrator.get(hanging)).status === 'running');

    const record = { type: 'ref/resource', uri: 'orchestrator://tasks/{task_id}' } as const;
    const report = { type: 'ref/resource', uri: 'orchestrator://tasks/{task_id}/report' } as const;
    expect(await complete(client, record, 'task_id', '')).toEqual([hanging, search, research]);
    expect(await complete(client, record, 'task_id', 'research_')).toEqual([hanging, research]);
    expect(await complete(client, record, 'task_id', 'SEARCH')).toEqual([search]);
    expect(await complete(client, record, 'task_id', research)).toEqual([research]);
    expect(await complete(client, record, 'task_id', 'nothing_')).toEqual([]);
    expect(await complete(client, report, 'task_id', 'research_')).toEqual([research]);
    expect(await complete(client, { type: 'ref/prompt', name: 'report' }, 'task_id', '')).toEqual([search, research]);

    // The report prompt embeds the report the resource serves; a running task has none yet.
    const prompt = await client.getPrompt({ name: 'report', arguments: { task_id: search } });
    const [embedded] = await client.readResource({ uri: `orchestrator://tasks/${search}/report` }).then((r) => r.contents);
    expect(prompt.messages[0]!.content).toEqual({ type: 'resource', resource: { uri: embedded!.uri, mimeType: 'text/markdown', text: (embedded as { text: string }).text } });
    expect(text(prompt.messages[1]!.content)).toContain(search);
    await expect(client.getPrompt({ name: 'report', arguments: { task_id: hanging } })).rejects.toThrow(/task_not_finished/);
    await expect(client.getPrompt({ name: 'report', arguments: { task_id: 'research_nope' } })).rejects.toThrow(/task_not_found/);
    expect(await call(client, 'cancel_orchestration', { task_id: hanging })).toMatchObject({ cancelled: true });
    await client.close();
  });

  it('puts cache hints on the cacheable results of 2026-07-28, and none on the handshake era', async () => {
    const server = await servers.plain();
    const client = await httpClient(era, server.url);
    const taskId = await finishedTask(client, 'orchestrate_search', { query: 'cache me' });
    const hint = (result: object) => {
      const { ttlMs, cacheScope } = result as { ttlMs?: unknown; cacheScope?: unknown };
      return { ttlMs, cacheScope };
    };
    const modern = era === 'modern';
    const none = { ttlMs: undefined, cacheScope: undefined };
    const fixed = modern ? { ttlMs: 600_000, cacheScope: 'public' } : none;
    const fresh = modern ? { ttlMs: 0, cacheScope: 'private' } : none;
    expect(hint(await client.listTools())).toEqual(fixed);
    expect(hint(await client.listPrompts())).toEqual(fixed);
    expect(hint(await client.listResourceTemplates())).toEqual(fixed);
    expect(hint(await client.listResources())).toEqual(fresh);
    expect(hint(await client.readResource({ uri: `orchestrator://tasks/${taskId}` }))).toEqual(fresh);
    expect(hint(await client.readResource({ uri: `orchestrator://tasks/${taskId}/report` }))).toEqual(modern ? { ttlMs: 3_600_000, cacheScope: 'private' } : none);
    expect(hint(await client.readResource({ uri: 'orchestrator://patterns/swarm' }))).toEqual(fixed);
    await client.close();
  });
});

// Each child is the built CLI (dist/): build it first when running this file alone.
describe('MCP prompts and completions over stdio', { timeout: 90_000 }, () => {
  it.each(['v1', 'v2'] as const)('serves the prompts and completes a task id to a %s client', async (kind) => {
    const params = stdioParams();
    const client = kind === 'v1' ? new V1Client(info) : new Client(info, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(kind === 'v1' ? new V1StdioClientTransport(params) : new StdioClientTransport(params));
    expect(client.getServerCapabilities()).toMatchObject({ prompts: {}, completions: {} });
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['research', 'search', 'report']);
    const taskId = await finishedTask(client, 'orchestrate_search', { query: `over stdio, ${kind}` });
    expect(await complete(client, { type: 'ref/resource', uri: 'orchestrator://tasks/{task_id}' }, 'task_id', 'search_')).toEqual([taskId]);
    expect(await complete(client, { type: 'ref/prompt', name: 'report' }, 'task_id', '')).toEqual([taskId]);
    const report = await client.getPrompt({ name: 'report', arguments: { task_id: taskId } });
    expect(report.messages[0]!.content).toMatchObject({ type: 'resource', resource: { uri: `orchestrator://tasks/${taskId}/report`, mimeType: 'text/markdown' } });
    await client.close();
  });
});
