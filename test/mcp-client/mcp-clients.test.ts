import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpClients, type McpClients } from '../../src/mcp-client/mcp-clients.js';
import { McpToolError } from '../../src/mcp-client/errors.js';
import type { McpServerConfig } from '../../src/mcp-client/servers-file.js';
import { currentTimeTool } from '../../src/tools/builtin/current-time.js';
import type { ToolRegistry } from '../../src/tools/registry.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/test-server.js';
import {
  captureLogs,
  filesystemEntry,
  fixtureEntry,
  recordingRegistry,
  startEverything,
  tempDir,
  toolNames,
  type EverythingServer,
  type LogSink,
} from './peers.js';

// Values that must never show in a log line or a status: each server's env, headers and URL
// secrets, and a key of our own process (which stdio children must not inherit).
const SECRETS = {
  files: 'files-env-secret-7f3a9c',
  fixture: 'fixture-token-secret-51d2e8',
  exits: 'exits-env-secret-0b4c6d',
  header: 'Bearer http-header-secret-9e1f2a',
  closedHeader: 'closed-header-secret-3c8d7b',
  query: 'query-secret-6a2e4f',
  parent: 'parent-process-secret-2d9b1c',
};
const OUTPUT_MAX = 1000;

describe('createMcpClients against the MCP reference servers and a broken entry beside them', () => {
  let dir: string;
  let everything: EverythingServer;
  let registry: ToolRegistry;
  let logs: LogSink;
  let clients: McpClients;

  beforeAll(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello from the files server\n');
    fs.writeFileSync(path.join(dir, 'big.txt'), 'abcdefghij'.repeat(500));
    everything = await startEverything();
    const closedPort = await freePort();
    process.env.MCPO_TEST_PARENT_SECRET = SECRETS.parent;
    const servers: McpServerConfig[] = [
      filesystemEntry('files', dir, { env: { FILES_API_KEY: SECRETS.files }, disabledTools: ['write_file', 'edit_file', 'move_file', 'create_directory'] }),
      { name: 'everything', transport: 'http', url: everything.url, headers: { Authorization: SECRETS.header }, allowedTools: ['echo', 'get-tiny-image', 'get-structured-content', 'get-resource-links'] },
      fixtureEntry('fixture', { env: { FIXTURE_TOKEN: SECRETS.fixture } }),
      { name: 'exits', transport: 'stdio', command: process.execPath, args: ['-e', 'console.error("bad key " + process.env.EXITS_KEY); process.exit(3)'], env: { EXITS_KEY: SECRETS.exits } },
      { name: 'missing', transport: 'stdio', command: path.join(dir, 'no-such-server'), args: [], env: {} },
      { name: 'closed', transport: 'http', url: `http://127.0.0.1:${closedPort}/mcp?api_key=${SECRETS.query}`, headers: { 'X-Api-Key': SECRETS.closedHeader } },
    ];
    ({ registry } = recordingRegistry([currentTimeTool]));
    const captured = captureLogs();
    logs = captured.logs;
    clients = createMcpClients({ servers, registry, logger: captured.logger, connectTimeoutMs: 20_000, toolTimeoutMs: 20_000, outputMaxChars: OUTPUT_MAX });
    await clients.start();
  }, 90_000);

  afterAll(async () => {
    await clients?.close();
    await everything?.stop();
    delete process.env.MCPO_TEST_PARENT_SECRET;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('start() resolves once each server connected or failed: the real ones connected, the broken ones failed with a reason', () => {
    const byName = Object.fromEntries(clients.status().map((s) => [s.name, s]));
    expect(Object.keys(byName)).toEqual(['files', 'everything', 'fixture', 'exits', 'missing', 'closed']);
    for (const name of ['files', 'everything', 'fixture']) expect(byName[name]).toMatchObject({ state: 'connected', tools: expect.any(Number) });
    expect(byName.files!.transport).toBe('stdio');
    expect(byName.everything!.transport).toBe('http');
    expect(byName.files!.pid).toEqual(expect.any(Number));
    for (const name of ['exits', 'missing', 'closed']) {
      expect(byName[name]).toMatchObject({ state: 'failed', tools: 0, error: expect.any(String) });
      expect(byName[name]!.error!.length).toBeLessThan(600);
    }
    expect(byName.missing!.error).toMatch(/ENOENT/);
    expect(byName.closed!.error).toMatch(/fetch failed \(ECONNREFUSED\)/);
  });

  it('registers the real servers tools as <name>__<tool> with source mcp:<name>, honouring allowedTools and disabledTools', () => {
    const files = toolNames(registry, 'mcp:files');
    expect(files).toEqual(expect.arrayContaining(['files__read_text_file', 'files__list_directory', 'files__search_files']));
    expect(files).not.toContain('files__write_file');
    expect(files).not.toContain('files__move_file');
    expect(toolNames(registry, 'mcp:everything')).toEqual(['everything__echo', 'everything__get-resource-links', 'everything__get-structured-content', 'everything__get-tiny-image']);
    const read = registry.list({ source: 'mcp:files' }).find((t) => t.name === 'files__read_text_file')!;
    expect(read).toMatchObject({ category: 'mcp', tags: ['mcp', 'files'], source: 'mcp:files' });
    expect(read.description).toMatch(/^\[files\] Read the complete contents of a file/);
    expect(read.inputSchema).toMatchObject({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] });
    expect(clients.status().find((s) => s.name === 'files')!.tools).toBe(files.length);
    // The builtin stays; the broken servers have no tools.
    expect(registry.list({ source: 'builtin' }).map((t) => t.name)).toEqual(['current_time']);
    for (const name of ['exits', 'missing', 'closed']) expect(toolNames(registry, `mcp:${name}`)).toEqual([]);
    for (const t of registry.list()) expect(t.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('runs a server-filesystem tool over stdio: read_text_file returns the file text', async () => {
    const result = await registry.execute('files__read_text_file', { path: path.join(dir, 'notes.txt') });
    expect(result).toEqual({ content: 'hello from the files server\n', structured: { content: 'hello from the files server\n' } });
  });

  it('a tool that answers isError throws McpToolError with the tool text', async () => {
    const failure = registry.execute('files__read_text_file', { path: path.join(dir, 'absent.txt') });
    await expect(failure).rejects.toBeInstanceOf(McpToolError);
    await expect(failure).rejects.toThrow(/ENOENT/);
    await expect(registry.execute('files__read_text_file', { path: '/etc/hostname' })).rejects.toThrow(/outside allowed directories/);
  });

  it('cuts output at outputMaxChars with a note, and leaves out structured content that does not fit', async () => {
    const result = (await registry.execute('files__read_text_file', { path: path.join(dir, 'big.txt') })) as { content: string; structured?: unknown };
    expect(result.content).toBe(`${'abcdefghij'.repeat(100)}\n[… cut at ${OUTPUT_MAX} characters]`);
    expect(result).not.toHaveProperty('structured');
  });

  it('runs server-everything tools over Streamable HTTP: text, an image summarized, structured content, resource links', async () => {
    expect(await registry.execute('everything__echo', { message: 'over HTTP' })).toEqual({ content: 'Echo: over HTTP' });
    const image = (await registry.execute('everything__get-tiny-image', {})) as { content: string };
    expect(image.content).toMatch(/\[image image\/png, \d+ bytes\]/);
    expect(image.content).not.toMatch(/iVBOR/);
    const weather = (await registry.execute('everything__get-structured-content', { location: 'Chicago' })) as { structured: unknown };
    expect(weather.structured).toMatchObject({ temperature: expect.any(Number), conditions: expect.any(String) });
    const links = (await registry.execute('everything__get-resource-links', { count: 2 })) as { content: string };
    expect(links.content).toMatch(/\[resource link demo:\/\/resource\/dynamic\/\w+\/1/);
  });

  it('a JSON-RPC error of the server (invalid arguments) is a tool error, and the server stays connected', async () => {
    await expect(registry.execute('everything__get-structured-content', { location: 'Atlantis' })).rejects.toBeInstanceOf(McpToolError);
    expect(clients.status().find((s) => s.name === 'everything')!.state).toBe('connected');
  });

  it('tools/list_changed: a tool the fixture server adds at run time is registered and runs', async () => {
    expect(toolNames(registry, 'mcp:fixture')).not.toContain('fixture__late_tool');
    await registry.execute('fixture__add_tool', { name: 'late_tool' });
    await waitFor(() => toolNames(registry, 'mcp:fixture').includes('fixture__late_tool'), 20_000);
    expect(await registry.execute('fixture__late_tool', {})).toEqual({ content: 'added late_tool' });
    expect(clients.status().find((s) => s.name === 'fixture')!.tools).toBe(toolNames(registry, 'mcp:fixture').length);
  });

  it('tool names outside [A-Za-z0-9_-] or longer than 64 characters are renamed, and still call the original', async () => {
    const names = toolNames(registry, 'mcp:fixture');
    const dotted = names.find((n) => n.startsWith('fixture__dotted_name_with_spaces_'));
    const long = names.find((n) => n.startsWith('fixture__long_xxx'));
    expect(dotted).toMatch(/^fixture__dotted_name_with_spaces_[0-9a-f]{6}$/);
    expect(long).toHaveLength(64);
    expect(await registry.execute(dotted!, {})).toEqual({ content: 'dotted' });
    expect(await registry.execute(long!, {})).toEqual({ content: 'long' });
  });

  it('a stdio child gets the SDK short list of variables and its own env, not the rest of ours', async () => {
    const { content } = (await registry.execute('fixture__env_keys', {})) as { content: string };
    const keys = JSON.parse(content) as string[];
    expect(keys).toContain('FIXTURE_TOKEN');
    expect(keys).toContain('PATH');
    expect(keys).not.toContain('MCPO_TEST_PARENT_SECRET');
    for (const key of keys) expect(['FIXTURE_TOKEN', 'HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER']).toContain(key);
  });

  it('secrets of env, headers and URLs reach neither the logs nor status(), even when a server prints them on stderr', async () => {
    // The fixture writes its FIXTURE_TOKEN on stderr; we log stderr (at debug), redacted.
    await waitFor(() => logs.lines.some((l) => l.mcp_server === 'fixture' && String(l.stderr).includes('fixture starting with token [redacted]')));
    const text = logs.text() + JSON.stringify(clients.status());
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain('http-header-secret');
    const connected = logs.lines.find((l) => l.mcp_server === 'files' && l.msg === 'MCP server connected')!;
    expect(connected).toMatchObject({ transport: 'stdio', command: process.execPath, tools: expect.any(Number) });
    const closed = logs.lines.find((l) => l.mcp_server === 'closed' && l.msg === 'MCP server failed to connect; retrying')!;
    expect(closed).toMatchObject({ transport: 'http', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), retry_in_ms: expect.any(Number) });
    for (const name of ['exits', 'missing']) expect(logs.lines.some((l) => l.mcp_server === name && l.msg === 'MCP server failed to connect; retrying')).toBe(true);
  });
});
