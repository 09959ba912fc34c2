import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McpToolTimeoutError } from '../../src/mcp-client/errors.js';
import { createMcpClients, type McpClients, type McpClientsOptions } from '../../src/mcp-client/mcp-clients.js';
import type { McpServerConfig } from '../../src/mcp-client/servers-file.js';
import { waitFor } from '../helpers/test-server.js';
import { captureLogs, filesystemEntry, isRunning, recordingRegistry, startEverything, tempDir, toolNames, type EverythingServer, type SourceChange } from './peers.js';

// Everything a test starts, stopped by its own handle (pid) after it.
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
}, 60_000);

function clientsFor(servers: McpServerConfig[], extra: Partial<McpClientsOptions> = {}) {
  const { registry, changes } = recordingRegistry();
  const { logger, logs } = captureLogs();
  const clients: McpClients = createMcpClients({ servers, registry, logger, connectTimeoutMs: 20_000, toolTimeoutMs: 20_000, outputMaxChars: 10_000, ...extra });
  stops.push(() => clients.close());
  return { clients, registry, changes, logs };
}

async function everythingServer(port?: number): Promise<EverythingServer> {
  const server = await startEverything(port);
  stops.push(() => server.stop());
  return server;
}

function filesDir(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'still here\n');
  stops.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const stateOf = (clients: McpClients, name: string) => clients.status().find((s) => s.name === name)!;

/** Whether each registry change of `source` had tools, runs of the same collapsed (a list_changed re-registers). */
const presence = (changes: SourceChange[], source: string) =>
  changes
    .filter((c) => c.source === source)
    .map((c) => c.names.length > 0)
    .filter((has, i, all) => i === 0 || has !== all[i - 1]);

describe('tool calls: timeout and cancellation', () => {
  it('a call that outlasts MCP_TOOL_TIMEOUT_MS fails with "MCP tool <name> timed out after N ms"; tools that run only as tasks are left out', async () => {
    const everything = await everythingServer();
    const { clients, registry, logs } = clientsFor([{ name: 'everything', transport: 'http', url: everything.url, headers: {} }], { toolTimeoutMs: 1000 });
    await clients.start();
    const call = registry.execute('everything__trigger-long-running-operation', { duration: 60, steps: 60 });
    await expect(call).rejects.toBeInstanceOf(McpToolTimeoutError);
    await expect(call).rejects.toThrow('MCP tool everything__trigger-long-running-operation timed out after 1000 ms');
    // The server is still there for the next call.
    expect(stateOf(clients, 'everything').state).toBe('connected');
    expect(toolNames(registry, 'mcp:everything')).not.toContain('everything__simulate-research-query');
    expect(logs.lines.some((l) => l.tool === 'simulate-research-query' && /only as an MCP task/.test(String(l.msg)))).toBe(true);
  });

  it('an aborted call rejects with the signal reason', async () => {
    const everything = await everythingServer();
    const { clients, registry } = clientsFor([{ name: 'everything', transport: 'http', url: everything.url, headers: {} }]);
    await clients.start();
    const controller = new AbortController();
    const reason = new Error('the task was cancelled');
    const call = registry.execute('everything__trigger-long-running-operation', { duration: 60, steps: 60 }, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 200);
    await expect(call).rejects.toBe(reason);
    await expect(registry.execute('everything__echo', { message: 'x' }, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('reconnecting', () => {
  it('a stdio server killed under us: its tools leave the registry while it is down and come back when it is restarted', async () => {
    const { clients, registry, changes } = clientsFor([filesystemEntry('files', filesDir())]);
    await clients.start();
    const before = stateOf(clients, 'files');
    expect(before.state).toBe('connected');
    const registered = toolNames(registry, 'mcp:files');
    process.kill(before.pid!, 'SIGKILL');
    const after = await waitFor(() => {
      const s = stateOf(clients, 'files');
      return s.state === 'connected' && s.pid !== before.pid ? s : undefined;
    }, 60_000);
    expect(isRunning(before.pid!)).toBe(false);
    expect(after.tools).toBe(registered.length);
    expect(toolNames(registry, 'mcp:files')).toEqual(registered);
    // Registered, removed ([]) when the child died, registered again.
    expect(presence(changes, 'mcp:files')).toEqual([true, false, true]);
    await expect(registry.execute('files__list_allowed_directories', {})).resolves.toMatchObject({ content: expect.stringContaining('mcpo-mcp-client-') });
  });

  it('a Streamable HTTP server that went away and came back on its port: tools absent while it is down, back after', async () => {
    const first = await everythingServer();
    const { clients, registry, changes } = clientsFor([{ name: 'everything', transport: 'http', url: first.url, headers: {} }], { backoff: { initialMs: 200, maxMs: 2000 } });
    await clients.start();
    expect(stateOf(clients, 'everything').state).toBe('connected');
    await first.stop();
    await waitFor(() => stateOf(clients, 'everything').state !== 'connected', 60_000);
    expect(toolNames(registry, 'mcp:everything')).toEqual([]);
    await everythingServer(first.port);
    await waitFor(() => stateOf(clients, 'everything').state === 'connected', 60_000);
    expect(await registry.execute('everything__echo', { message: 'back' })).toEqual({ content: 'Echo: back' });
    expect(presence(changes, 'mcp:everything')).toEqual([true, false, true]);
  });
});

describe('starting and closing', () => {
  it('a server that never answers is failed after connectTimeoutMs, and its child is ended', async () => {
    const dir = filesDir();
    const pidFile = path.join(dir, 'pid');
    const silent = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const { clients } = clientsFor([{ name: 'silent', transport: 'stdio', command: process.execPath, args: ['-e', silent], env: {} }], {
      connectTimeoutMs: 5000,
      backoff: { initialMs: 60_000 },
    });
    await clients.start();
    expect(stateOf(clients, 'silent')).toMatchObject({ state: 'failed', tools: 0, error: 'no answer within 5000 ms' });
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isRunning(pid), 30_000);
  });

  it('close() ends the stdio children, removes every tool, and answers the same promise twice; start() then does nothing', async () => {
    const { clients, registry } = clientsFor([filesystemEntry('files', filesDir()), filesystemEntry('more', filesDir())]);
    await clients.start();
    const pids = clients.status().map((s) => s.pid!);
    expect(pids.every((pid) => isRunning(pid))).toBe(true);
    expect(registry.list().length).toBeGreaterThan(0);
    const closing = clients.close();
    expect(clients.close()).toBe(closing);
    await closing;
    expect(registry.list()).toEqual([]);
    await waitFor(() => pids.every((pid) => !isRunning(pid)), 30_000);
    await clients.start();
    expect(registry.list()).toEqual([]);
  });

  it('close() during a first connect ends the child that is starting', async () => {
    const dir = filesDir();
    const pidFile = path.join(dir, 'pid');
    const silent = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const { clients } = clientsFor([{ name: 'silent', transport: 'stdio', command: process.execPath, args: ['-e', silent], env: {} }], { connectTimeoutMs: 600_000 });
    const started = clients.start();
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8'), 30_000);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await clients.close();
    await started;
    await waitFor(() => !isRunning(pid), 30_000);
    expect(stateOf(clients, 'silent').tools).toBe(0);
  });
});
