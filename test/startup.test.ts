import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAIN, cleanupChildren, listeningPort, logLines, run, scratchDir } from './helpers/child-process.js';
import { freePort } from './helpers/ports.js';

afterEach(cleanupChildren);

/** Start the server with `env`; it must exit 1 with exactly one stderr line, which is answered. */
async function oneLineFailure(env: Record<string, string>): Promise<string> {
  const child = run(MAIN, [], { PORT: '0', ...env });
  expect(await child.exited).toEqual({ code: 1, signal: null });
  const lines = child.stderr().trimEnd().split('\n');
  expect(lines, child.stderr()).toHaveLength(1);
  expect(child.stderr()).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

// Each child loads the whole server through tsx: seconds of start-up on a small machine.
describe('start-up problems found after the environment parsed', { timeout: 60_000 }, () => {
  it('a CORPUS_DIR that does not exist is one line naming CORPUS_DIR', async () => {
    expect(await oneLineFailure({ CORPUS_DIR: '/nonexistent/corpus' })).toMatch(/^config: CORPUS_DIR: cannot index \/nonexistent\/corpus/);
  });

  it('a PRICES_FILE that cannot be read, or is not a price table, is one line naming PRICES_FILE', async () => {
    expect(await oneLineFailure({ PRICES_FILE: '/nonexistent/prices.json' })).toMatch(/^config: PRICES_FILE: /);
    const bad = path.join(scratchDir(), 'prices.json');
    fs.writeFileSync(bad, '{"openai/x": {"input_per_mtok": "free"}}');
    expect(await oneLineFailure({ PRICES_FILE: bad })).toMatch(/^config: PRICES_FILE: /);
  });

  it('a DATA_DIR that is a file is one line naming DATA_DIR', async () => {
    const file = path.join(scratchDir(), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    expect(await oneLineFailure({ STORE: 'sqlite', DATA_DIR: file })).toMatch(/^config: DATA_DIR: /);
    expect(await oneLineFailure({ STORE: 'memory', API_KEYS: 'k'.repeat(32), DATA_DIR: file })).toMatch(/^config: DATA_DIR: /);
  });

  it('a servers file that is not valid is one line naming MCP_SERVERS_FILE', async () => {
    const file = path.join(scratchDir(), 'mcp.json');
    fs.writeFileSync(file, '{"mcpServers": {"files": {"command": 42}}}');
    expect(await oneLineFailure({ MCP_SERVERS_FILE: file })).toMatch(/^config: MCP_SERVERS_FILE: mcpServers\.files\.command/);
    expect(await oneLineFailure({ MCP_SERVERS_FILE: '/nonexistent/mcp.json' })).toMatch(/^config: MCP_SERVERS_FILE: /);
  });

  it('a PORT that is taken is one line naming PORT', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as net.AddressInfo;
      expect(await oneLineFailure({ PORT: String(port) })).toBe(`config: PORT: 127.0.0.1:${port} is in use by another process`);
    } finally {
      blocker.close();
    }
  });
});

describe('ALT_PORT', { timeout: 60_000 }, () => {
  it('serves the same app on a second loopback port that fetch accepts', async () => {
    const alt = await freePort();
    const child = run(MAIN, [], { PORT: '0', ALT_PORT: String(alt) });
    const port = await listeningPort(child);
    const listening = logLines(child).find((l) => l.msg === 'mcp-orchestrator listening')!;
    expect(listening.alt_address).toMatchObject({ address: '127.0.0.1', port: alt });
    for (const p of [port, alt]) {
      const tools = await fetch(`http://127.0.0.1:${p}/tools`);
      expect(tools.status).toBe(200);
      expect(((await tools.json()) as { count: number }).count).toBeGreaterThan(0);
    }
    // One app: a task started on one port is seen on the other.
    const started = await fetch(`http://127.0.0.1:${alt}/tools/orchestrate_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'what does the orchestrator do', num_agents: 1 }),
    });
    const { task_id } = (await started.json()) as { task_id: string };
    expect((await fetch(`http://127.0.0.1:${port}/tasks/${task_id}`)).status).toBe(200);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('is off with ALT_PORT=0', async () => {
    // A default provider without its key still starts, with a warning naming the setting.
    const child = run(MAIN, [], { PORT: '0', ALT_PORT: '0', DEFAULT_PROVIDER: 'openai' });
    await listeningPort(child);
    expect(logLines(child).find((l) => l.setting === 'DEFAULT_PROVIDER')?.msg).toMatch(/OPENAI_API_KEY/);
    expect(logLines(child).find((l) => l.msg === 'mcp-orchestrator listening')!.alt_address).toBeUndefined();
  });

  it('a taken ALT_PORT is one line naming ALT_PORT and how to turn it off', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as net.AddressInfo;
      expect(await oneLineFailure({ ALT_PORT: String(port) })).toMatch(new RegExp(`^config: ALT_PORT: 127\\.0\\.0\\.1:${port} is in use .*or 0 to turn it off$`));
    } finally {
      blocker.close();
    }
  });

  it('must differ from PORT', async () => {
    expect(await oneLineFailure({ PORT: '5099', ALT_PORT: '5099' })).toMatch(/^config: ALT_PORT: must differ from PORT/);
  });
});
