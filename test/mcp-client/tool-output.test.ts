import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/mcp-client/backoff.js';
import { McpToolError } from '../../src/mcp-client/errors.js';
import { createRedactor, safeUrl, secretsOf } from '../../src/mcp-client/redact.js';
import { agentToolName, isToolAllowed } from '../../src/mcp-client/tool-names.js';
import { toToolOutput } from '../../src/mcp-client/tool-result.js';

describe('toToolOutput', () => {
  it('joins text parts and summarizes images, audio, embedded resources and resource links', () => {
    const output = toToolOutput(
      {
        content: [
          { type: 'text', text: 'first' },
          { type: 'image', data: 'AAAA', mimeType: 'image/png' },
          { type: 'audio', data: 'AAAAAA==', mimeType: 'audio/wav' },
          { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'embedded text' } },
          { type: 'resource', resource: { uri: 'file:///b.bin', mimeType: 'application/octet-stream', blob: 'AAAAAAAA' } },
          { type: 'resource_link', uri: 'demo://resource/1', name: 'Resource 1' },
        ],
      },
      1000,
    );
    expect(output).toEqual({
      content: ['first', '[image image/png, 3 bytes]', '[audio audio/wav, 4 bytes]', 'embedded text', '[resource file:///b.bin application/octet-stream, 6 bytes]', '[resource link demo://resource/1 (Resource 1)]'].join('\n'),
    });
  });

  it('cuts the text at maxChars with a note', () => {
    expect(toToolOutput({ content: [{ type: 'text', text: 'x'.repeat(12) }] }, 10).content).toBe(`${'x'.repeat(10)}\n[… cut at 10 characters]`);
    expect(toToolOutput({ content: [{ type: 'text', text: 'x'.repeat(10) }] }, 10).content).toBe('x'.repeat(10));
  });

  it('keeps structuredContent that fits in maxChars as JSON, and only then', () => {
    expect(toToolOutput({ content: [], structuredContent: { n: 1 } }, 100)).toEqual({ content: '', structured: { n: 1 } });
    expect(toToolOutput({ content: [], structuredContent: { long: 'y'.repeat(200) } }, 100)).toEqual({ content: '' });
  });

  it('a result with isError throws McpToolError carrying the tool text', () => {
    const run = () => toToolOutput({ content: [{ type: 'text', text: 'no such file' }], isError: true }, 100);
    expect(run).toThrow(McpToolError);
    expect(run).toThrow('no such file');
    expect(() => toToolOutput({ content: [], isError: true }, 100)).toThrow('the tool failed without saying why');
  });
});

describe('agentToolName', () => {
  it('is <server>__<tool> when that is a valid model tool name', () => {
    expect(agentToolName('files', 'read_text_file')).toBe('files__read_text_file');
    expect(agentToolName('everything', 'get-tiny-image')).toBe('everything__get-tiny-image');
  });

  it('replaces characters outside [A-Za-z0-9_-] and cuts long names, keeping them apart with a hash of the original', () => {
    const dotted = agentToolName('srv', 'a.b');
    const underscored = agentToolName('srv', 'a/b');
    expect(dotted).toMatch(/^srv__a_b_[0-9a-f]{6}$/);
    expect(underscored).toMatch(/^srv__a_b_[0-9a-f]{6}$/);
    expect(dotted).not.toBe(underscored);
    const long = agentToolName('srv', 't'.repeat(100))!;
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });

  it('gives up when the server name leaves no room', () => {
    expect(agentToolName('s'.repeat(60), 'tool')).toBeUndefined();
  });
});

describe('isToolAllowed', () => {
  it('allowedTools lets only its names through; disabledTools takes names out', () => {
    expect(isToolAllowed('a', {})).toBe(true);
    expect(isToolAllowed('a', { allowedTools: ['a'] })).toBe(true);
    expect(isToolAllowed('b', { allowedTools: ['a'] })).toBe(false);
    expect(isToolAllowed('a', { disabledTools: ['a'] })).toBe(false);
    expect(isToolAllowed('a', { allowedTools: ['a'], disabledTools: ['a'] })).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles from 1 s to at most 60 s, jittered between half and all of that', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, {}, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([0, 1].map((n) => backoffDelay(n, {}, () => 0))).toEqual([500, 1000]);
    expect(backoffDelay(20, {}, () => 1)).toBe(60_000);
    expect(backoffDelay(10_000, { initialMs: 200, maxMs: 2000 }, () => 0)).toBe(1000);
  });
});

describe('redaction', () => {
  it('collects env and header values (short ones only under secret-looking names) and URL secrets', () => {
    const stdio = secretsOf({ name: 's', transport: 'stdio', command: 'x', args: [], env: { API_KEY: 'abc', DEBUG: '1', LONG_VALUE: 'long-value-123' } });
    expect(stdio.sort()).toEqual(['abc', 'long-value-123']);
    const url = 'https://user:pw@mcp.example.org/mcp/k3y-in-the-path-0123456789?token=qs1&format=json';
    const http = secretsOf({ name: 'h', transport: 'http', url, headers: { Authorization: 'Bearer t0ken-value', Accept: 'json' } });
    expect(http).toEqual(expect.arrayContaining([url, 'Bearer t0ken-value', 'pw', 'qs1', 'k3y-in-the-path-0123456789']));
    expect(http).not.toContain('user');
    expect(http).not.toContain('json');
  });

  it('replaces each secret, longest first, and safeUrl keeps only the origin', () => {
    const redact = createRedactor(['secret-value', 'secret']);
    expect(redact('a secret-value and a secret')).toBe('a [redacted] and a [redacted]');
    expect(safeUrl('https://user:pw@mcp.example.org:8443/mcp/key?token=x')).toBe('https://mcp.example.org:8443');
  });
});
