import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMcpServersFile, parseMcpServers } from '../../src/mcp-client/servers-file.js';
import { StartupError } from '../../src/startup-error.js';
import { tempDir } from './peers.js';

const problem = (value: unknown) => {
  try {
    parseMcpServers(value, '/srv/conf');
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    return (error as Error).message;
  }
  throw new Error('parsed without a problem');
};

describe('parseMcpServers', () => {
  it('reads stdio and Streamable HTTP entries in the Claude Desktop / Cursor shape, with defaults', () => {
    const servers = parseMcpServers(
      {
        mcpServers: {
          files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'], env: { TOKEN: '${TOKEN}' }, cwd: 'servers' },
          bare: { command: '/usr/local/bin/mcp-thing' },
          remote: { type: 'http', url: 'https://mcp.example.org/mcp', headers: { Authorization: 'Bearer x' }, allowedTools: ['search'], disabledTools: ['delete'] },
        },
        globalShortcut: 'Ctrl+Space',
      },
      '/srv/conf',
    );
    expect(servers).toEqual([
      { name: 'files', transport: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'], env: { TOKEN: '${TOKEN}' }, cwd: '/srv/conf/servers', allowedTools: undefined, disabledTools: undefined },
      { name: 'bare', transport: 'stdio', command: '/usr/local/bin/mcp-thing', args: [], env: {}, cwd: undefined, allowedTools: undefined, disabledTools: undefined },
      { name: 'remote', transport: 'http', url: 'https://mcp.example.org/mcp', headers: { Authorization: 'Bearer x' }, allowedTools: ['search'], disabledTools: ['delete'] },
    ]);
  });

  it('leaves out entries switched off with "disabled": true, and takes an empty list', () => {
    expect(parseMcpServers({ mcpServers: { off: { command: 'x', disabled: true }, on: { command: 'y', disabled: false } } }, '/').map((s) => s.name)).toEqual(['on']);
    expect(parseMcpServers({ mcpServers: {} }, '/')).toEqual([]);
  });

  it('names the JSON path of a bad value: MCP_SERVERS_FILE: mcpServers.files.command: expected string', () => {
    expect(problem({ mcpServers: { files: { command: 42 } } })).toBe('MCP_SERVERS_FILE: mcpServers.files.command: expected string, received number');
    expect(problem({ mcpServers: { files: { command: 'x', args: ['ok', 3] } } })).toBe('MCP_SERVERS_FILE: mcpServers.files.args.1: expected string, received number');
    expect(problem({ mcpServers: { files: { command: 'x', env: { PORT: 8080 } } } })).toBe('MCP_SERVERS_FILE: mcpServers.files.env.PORT: expected string, received number');
    expect(problem({ mcpServers: { web: { url: 'ftp://example.org/mcp' } } })).toBe('MCP_SERVERS_FILE: mcpServers.web.url: must be an http:// or https:// URL');
    expect(problem({ mcpServers: { web: { url: 'https://x.org', headers: { 'X-Key': true } } } })).toBe('MCP_SERVERS_FILE: mcpServers.web.headers.X-Key: expected string, received boolean');
    expect(problem({ mcpServers: { web: { url: 'https://x.org', allowedTools: 'search' } } })).toBe('MCP_SERVERS_FILE: mcpServers.web.allowedTools: expected array, received string');
  });

  it('says what an entry must be when it is neither kind, both, or the old SSE transport', () => {
    expect(problem({ mcpServers: { a: { args: [] } } })).toBe('MCP_SERVERS_FILE: mcpServers.a: expected command (stdio) or url (Streamable HTTP)');
    expect(problem({ mcpServers: { a: { command: 'x', url: 'https://x.org' } } })).toBe('MCP_SERVERS_FILE: mcpServers.a: give either command (stdio) or url (Streamable HTTP), not both');
    expect(problem({ mcpServers: { a: { type: 'sse', url: 'https://x.org/sse' } } })).toMatch(/^MCP_SERVERS_FILE: mcpServers\.a: type "sse" .* is not supported/);
    expect(problem({ mcpServers: { a: 'npx server' } })).toBe('MCP_SERVERS_FILE: mcpServers.a: expected an object');
  });

  it('refuses server names outside [A-Za-z0-9_-]{1,64}, and a file without mcpServers', () => {
    expect(problem({ mcpServers: { 'my server': { command: 'x' } } })).toBe('MCP_SERVERS_FILE: mcpServers.my server: server names must match [A-Za-z0-9_-]{1,64}');
    expect(problem({ mcpServers: { ['n'.repeat(65)]: { command: 'x' } } })).toMatch(/server names must match/);
    expect(problem({ servers: {} })).toBe('MCP_SERVERS_FILE: mcpServers: expected record, received undefined');
    expect(problem([])).toBe('MCP_SERVERS_FILE: expected object, received array');
  });

  it('reports every problem at once', () => {
    expect(problem({ mcpServers: { a: { command: 1 }, 'b c': { url: 'https://x.org' }, d: {} } })).toBe(
      'MCP_SERVERS_FILE: mcpServers.a.command: expected string, received number; mcpServers.b c: server names must match [A-Za-z0-9_-]{1,64}; mcpServers.d: expected command (stdio) or url (Streamable HTTP)',
    );
  });
});

describe('loadMcpServersFile', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file, resolving a relative cwd against its folder', () => {
    const file = path.join(dir, 'servers.json');
    fs.writeFileSync(file, JSON.stringify({ mcpServers: { local: { command: 'node', args: ['server.js'], cwd: '.' } } }));
    expect(loadMcpServersFile(file)).toMatchObject([{ name: 'local', transport: 'stdio', cwd: dir }]);
  });

  it('a missing file or one that is not JSON is a MCP_SERVERS_FILE problem, without quoting the file', () => {
    expect(() => loadMcpServersFile(path.join(dir, 'absent.json'))).toThrow(/^MCP_SERVERS_FILE: cannot read .*absent\.json: ENOENT/);
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{"mcpServers": {"a": {"command": "x", "env": {"KEY": "sk-do-not-print"}}\n  oops }');
    let message = '';
    try {
      loadMcpServersFile(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^MCP_SERVERS_FILE: .*broken\.json is not JSON \(line 2, column \d+\)$/);
    expect(message).not.toContain('sk-do-not-print');
  });
});
