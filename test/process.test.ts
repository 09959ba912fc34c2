import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, MAIN, cleanupChildren, listeningPort, logLines, run, scratchDir } from './helpers/child-process.js';

afterEach(cleanupChildren);

// Each child loads the whole server through tsx: seconds of start-up on a small machine.
describe('the server process (src/main.ts)', { timeout: 60_000 }, () => {
  it('starts with a clean environment on PORT=0, answers /health, and exits 0 on SIGTERM', async () => {
    const child = run(MAIN, [], { PORT: '0', HOST: '127.0.0.1' });
    const port = await listeningPort(child);
    expect(port).toBeGreaterThan(0);
    const listening = logLines(child).find((l) => l.msg === 'mcp-orchestrator listening')!;
    expect(listening).toMatchObject({ service: 'mcp-orchestrator', address: { address: '127.0.0.1', port }, provider: 'local', store: 'memory' });

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBeTruthy();
    expect(await health.json()).toMatchObject({ status: 'healthy', service: 'mcp-orchestrator' });

    // The connection above stays open (keep-alive); shutdown must not wait on it.
    expect(child.proc.kill('SIGTERM')).toBe(true);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toBe('');
  });

  it('exits 0 on SIGTERM while a task is running', async () => {
    const child = run(MAIN, [], { PORT: '0' });
    const port = await listeningPort(child);
    const res = await fetch(`http://127.0.0.1:${port}/tools/orchestrate_research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'what does the orchestrator do', num_agents: 3 }),
    });
    expect(res.status).toBe(202);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 1 with one stderr line naming PORT for PORT=abc, without listening', async () => {
    const child = run(MAIN, [], { PORT: 'abc' });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    const lines = child.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).toContain('"abc"');
    expect(child.stdout()).not.toContain('listening');
  });

  it('exits 1 with one line per problem: PORT=abc and MAX_CONCURRENT_AGENTS=0 give two', async () => {
    const child = run(MAIN, [], { PORT: 'abc', MAX_CONCURRENT_AGENTS: '0' });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    const lines = child.stderr().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => /\bPORT\b/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('MAX_CONCURRENT_AGENTS'))).toBe(true);
  });

  it('reads a .env file in its working directory', async () => {
    const cwd = scratchDir();
    fs.writeFileSync(path.join(cwd, '.env'), 'LOG_LEVEL=shouting\n');
    const child = run(MAIN, [], { PORT: '0' }, cwd);
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.stderr()).toContain('LOG_LEVEL');
  });

  it('exits 1 when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as net.AddressInfo;
      const child = run(MAIN, [], { PORT: String(port) });
      expect(await child.exited).toEqual({ code: 1, signal: null });
    } finally {
      blocker.close();
    }
  });
});

describe('the command line (src/cli/main.ts)', { timeout: 60_000 }, () => {
  it('`serve` starts the HTTP server, which exits 0 on SIGTERM', async () => {
    const child = run(CLI, ['serve'], { PORT: '0' });
    const port = await listeningPort(child);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('an unknown command exits 2 with the usage on stderr', async () => {
    const child = run(CLI, ['bogus'], {});
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.stderr()).toContain('unknown command "bogus"');
    expect(child.stderr()).toContain('Usage: mcp-orchestrator');
    expect(child.stdout()).toBe('');
  });

  it('`help` prints the usage and exits 0', async () => {
    const child = run(CLI, ['help'], {});
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toContain('serve');
  });

  it('`serve` with a bad environment exits 1 naming the variable', async () => {
    const child = run(CLI, ['serve'], { PORT: 'abc' });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.stderr()).toMatch(/PORT/);
  });
});
