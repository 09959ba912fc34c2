import { asSchema } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolNotFoundError, ValidationError } from '../../src/errors.js';
import { calculateTool } from '../../src/tools/builtin/calculate.js';
import { currentTimeTool } from '../../src/tools/builtin/current-time.js';
import { createToolRegistry, defineTool } from '../../src/tools/registry.js';

const echoTool = defineTool({
  name: 'echo',
  description: 'Echo the text',
  category: 'test',
  tags: ['text', 'echo'],
  inputSchema: z.strictObject({ text: z.string() }),
  async execute({ text }) {
    return { text };
  },
});

describe('tool registry', () => {
  const registry = createToolRegistry([calculateTool, currentTimeTool, echoTool]);

  it('lists every tool with name, description, category, tags and a JSON Schema', () => {
    const tools = registry.list();
    expect(tools.map((t) => t.name)).toEqual(['calculate', 'current_time', 'echo']);
    for (const t of tools) {
      expect(t).toEqual({ name: t.name, description: expect.any(String), category: expect.any(String), tags: expect.any(Array), source: 'builtin', inputSchema: expect.objectContaining({ type: 'object' }) });
    }
    expect(tools[2]!.inputSchema).toMatchObject({ properties: { text: { type: 'string' } }, required: ['text'] });
  });

  it('filters by category and by tags, all of which must match', () => {
    expect(registry.list({ category: 'math' }).map((t) => t.name)).toEqual(['calculate']);
    expect(registry.list({ category: 'nope' })).toEqual([]);
    expect(registry.list({ tags: ['text'] }).map((t) => t.name)).toEqual(['echo']);
    expect(registry.list({ tags: ['time', 'date'] }).map((t) => t.name)).toEqual(['current_time']);
    expect(registry.list({ tags: ['time', 'math'] })).toEqual([]);
    expect(registry.list({ tags: [] })).toHaveLength(3);
  });

  it('runs a tool with validated arguments', async () => {
    expect(await registry.execute('echo', { text: 'hi' })).toEqual({ text: 'hi' });
  });

  it('throws ToolNotFoundError (404) for an unknown tool', async () => {
    const error = await registry.execute('nope', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolNotFoundError);
    expect((error as ToolNotFoundError).status).toBe(404);
    expect((error as ToolNotFoundError).code).toBe('tool_not_found');
  });

  it('throws a ValidationError with paths under arguments.* for bad arguments', async () => {
    const error = await registry.execute('echo', { text: 1, extra: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.path).sort()).toEqual(['arguments.extra', 'arguments.text']);
  });

  it('gives the tools to the AI SDK under their names', () => {
    expect(Object.keys(registry.toAiTools())).toEqual(['calculate', 'current_time', 'echo']);
  });

  it('converts each input schema to JSON Schema once, not on every model call', () => {
    const echo = registry.toAiTools().echo!;
    // The SDK calls asSchema on every call; a bare zod schema would be converted anew each time.
    expect(asSchema(echo.inputSchema).jsonSchema).toBe(asSchema(echo.inputSchema).jsonSchema);
    expect(asSchema(echo.inputSchema).jsonSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
  });
});

describe('tools of another source (an MCP server)', () => {
  const remote = (name: string) =>
    defineTool({
      name,
      description: `remote ${name}`,
      category: 'mcp',
      tags: [],
      inputSchema: z.record(z.string(), z.unknown()),
      jsonSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      async execute(input) {
        return { ran: name, input };
      },
    });

  it('come and go with their source, show it and their own JSON Schema, and reach the AI SDK set', async () => {
    const registry = createToolRegistry([echoTool]);
    const before = registry.toAiTools();
    expect(registry.setSourceTools('mcp:files', [remote('files__read'), remote('echo')])).toEqual(['echo']);
    expect(registry.list({ source: 'mcp:files' })).toEqual([
      { name: 'files__read', description: 'remote files__read', category: 'mcp', tags: [], source: 'mcp:files', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
    ]);
    expect(registry.list().find((t) => t.name === 'echo')!.source).toBe('builtin');
    expect(await registry.execute('files__read', { path: 'a' })).toEqual({ ran: 'files__read', input: { path: 'a' } });
    const after = registry.toAiTools();
    expect(after).not.toBe(before);
    expect(Object.keys(after)).toEqual(['echo', 'files__read']);
    expect(asSchema(after.files__read!.inputSchema).jsonSchema).toMatchObject({ required: ['path'] });
    registry.setSourceTools('mcp:files', []);
    expect(Object.keys(registry.toAiTools())).toEqual(['echo']);
    await expect(registry.execute('files__read', {})).rejects.toBeInstanceOf(ToolNotFoundError);
  });
});

describe('current_time', () => {
  const registry = createToolRegistry([currentTimeTool]);

  it('answers in UTC by default and in a named IANA time zone', async () => {
    const utc = (await registry.execute('current_time', {})) as { iso: string; timezone: string; unix_ms: number };
    expect(utc.timezone).toBe('UTC');
    expect(Number.isNaN(Date.parse(utc.iso))).toBe(false);
    const berlin = (await registry.execute('current_time', { timezone: 'Europe/Berlin' })) as { timezone: string; local: string };
    expect(berlin.timezone).toBe('Europe/Berlin');
    expect(berlin.local).toMatch(/\d{4}/);
  });

  it('refuses an unknown time zone on arguments.timezone', async () => {
    const error = await registry.execute('current_time', { timezone: 'Mars/Olympus' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ path: 'arguments.timezone', message: 'unknown IANA time zone' }]);
  });
});
