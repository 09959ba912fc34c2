import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupChildren } from '../helpers/child-process.js';
import { useServers } from '../http/route-harness.js';
import { stdioParams } from '../mcp/clients.js';

const servers = useServers();
const KEY = 'remote-cli-key-9f8e7d6c5b4a';
afterEach(cleanupChildren);

describe('mcp-orchestrator mcp --remote with --api-key', () => {
  it('runs a task on a server that wants a key, and neither side logs the key or a stream token', async () => {
    const server = await servers.plain({ API_KEYS: KEY, LOG_LEVEL: 'trace' });
    const transport = new V1StdioClientTransport(stdioParams(['--remote', server.url, '--api-key', KEY], { LOG_LEVEL: 'trace' }));
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new V1Client({ name: 'security-tests', version: '1.0.0' });
    await client.connect(transport);
    try {
      const done = await client.callTool({ name: 'orchestrate_search', arguments: { query: 'remote with a key', num_agents: 1, wait: true } }, undefined, { timeout: 60_000 });
      expect(done.isError).toBeFalsy();
      expect((done.structuredContent as { status: string }).status).toBe('completed');
    } finally {
      await client.close();
    }
    expect(stderr).toMatch(/\S/); // the CLI did log (at trace), just not the key
    const logs = `${stderr}\n${server.logs.text()}`;
    expect(logs).not.toContain(KEY);
    expect(logs).not.toContain('token=');
  });
});
