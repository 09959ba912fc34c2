import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILESYSTEM_SERVER } from '../mcp-client/peers.js';
import { agentEvents, openStream, roleOf, startStack, startTask, waitForFinal, type Stack } from './harness.js';

let stack: Stack | undefined;
let dir: string;
let serversFile: string;

// The user's own mcpServers file, as Claude Desktop keeps it: the MCP reference filesystem server
// over a folder of notes, and an entry whose program does not exist.
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-mcp-e2e-'));
  fs.mkdirSync(path.join(dir, 'notes'));
  fs.writeFileSync(path.join(dir, 'notes', 'ferry.md'), '# Ferry\n\nThe first ferry to the island leaves at 06:10 from pier 3.\n');
  serversFile = path.join(dir, 'claude_desktop_config.json');
  const config = {
    mcpServers: {
      files: { command: process.execPath, args: [FILESYSTEM_SERVER, path.join(dir, 'notes')] },
      broken: { command: path.join(dir, 'no-such-program'), env: { API_TOKEN: 'tok-very-secret' } },
    },
  };
  fs.writeFileSync(serversFile, JSON.stringify(config, null, 2));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const notesFile = () => fs.realpathSync(path.join(dir, 'notes', 'ferry.md'));

describe('tools of the MCP servers in MCP_SERVERS_FILE, through the real app', () => {
  it('are listed with their source, run through execute_registered_tool, and a broken server makes /health degraded, not down', async () => {
    stack = await startStack({ env: () => ({ MCP_SERVERS_FILE: serversFile, MCP_CONNECT_TIMEOUT_MS: '20000' }) });
    const { server } = stack;
    const listed = await request(server.url).get('/tools/list_registered_tools?source=mcp:files').expect(200);
    expect(listed.body.tools.map((t: { name: string }) => t.name)).toContain('files__read_text_file');
    expect(listed.body.tools.every((t: { source: string }) => t.source === 'mcp:files')).toBe(true);
    const run = await request(server.url).post('/tools/execute_registered_tool').send({ tool_name: 'files__read_text_file', arguments: { path: notesFile() } });
    expect(run.status, run.text).toBe(200);
    expect(JSON.stringify(run.body.result)).toContain('leaves at 06:10');
    const health = await request(server.url).get('/health').expect(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.mcp_servers).toEqual([
      expect.objectContaining({ name: 'files', state: 'connected', transport: 'stdio' }),
      expect.objectContaining({ name: 'broken', state: 'failed', tools: 0, error: expect.any(String) }),
    ]);
    expect(JSON.stringify(health.body) + server.logs.text()).not.toContain('tok-very-secret');
  });

  it('a worker calls an MCP tool live and cites its answer: the report lists it as a tool source', async () => {
    stack = await startStack({
      env: () => ({ MCP_SERVERS_FILE: serversFile, MCP_CONNECT_TIMEOUT_MS: '20000' }),
      script: (r) => {
        if (roleOf(r) !== 'worker') return { kind: 'answer' };
        if (!r.messages.some((m) => m.role === 'tool')) return { kind: 'tool_call', name: 'files__read_text_file', arguments: { path: notesFile() } };
        return { kind: 'answer', text: `The first ferry leaves at 06:10 [1].\n\nSources:\n[1] files__read_text_file(path: ${notesFile()})` };
      },
    });
    const { server } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'first ferry', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');
    expect(agentEvents(events, 'worker-1', 'agent_tool_call')[0]!.data).toMatchObject({ tool_name: 'files__read_text_file', input: { path: notesFile() } });
    expect(agentEvents(events, 'worker-1', 'agent_tool_result')[0]!.data).toMatchObject({ tool_name: 'files__read_text_file', is_error: false });
    expect(record.result!.sources[0]).toMatchObject({ n: 1, kind: 'tool', title: `files__read_text_file(path: ${notesFile()})` });
    expect(record.result!.unverified_citations).toBe(0);
    expect(record.result!.agent_results.find((a) => a.agent_id === 'worker-1')!.content).toContain('06:10 [1]');
  });

  it('a servers file that is not valid stops the start with one line naming MCP_SERVERS_FILE', async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ mcpServers: { files: { command: 42 } } }));
    await expect(startStack({ env: () => ({ MCP_SERVERS_FILE: bad }) })).rejects.toThrow(/^MCP_SERVERS_FILE: mcpServers\.files\.command/);
  });
});
