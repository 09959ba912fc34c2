import { jsonSchema, tool, zodSchema, type ToolSet } from 'ai';
import type { JSONSchema7 } from '@ai-sdk/provider';
import { z } from 'zod';
import { ToolNotFoundError, validationErrorFromIssues } from '../errors.js';

/** What a tool call gets besides its input. */
export interface ToolCallOptions {
  /** Aborts when the caller no longer wants the answer (an HTTP client hung up, a task was cancelled). */
  signal?: AbortSignal;
  /**
   * Who is calling, for tools that share a resource fairly between callers: `key:<key id>` or
   * `ip:<address>` over HTTP, the task (`task:<id>`) for agents.
   */
  clientKey?: string;
}

/** A tool agents (and `execute_registered_tool`) can call. */
export interface RegisteredTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  category: string;
  tags: string[];
  /** Where it comes from: `builtin` (the default), `web` (it reaches the internet), or `mcp:<server>` for a tool of a connected MCP server. */
  source?: string;
  /** Arguments are parsed with this before `execute` (a 400 naming the argument otherwise). */
  inputSchema: S;
  /**
   * A JSON Schema to show and to offer models instead of `inputSchema`'s: an MCP server's own, as
   * it sent it (its `inputSchema` is then a pass-through and the server validates).
   */
  jsonSchema?: Record<string, unknown>;
  execute(input: z.output<S>, options: ToolCallOptions): Promise<unknown>;
}

/** A tool as `list_registered_tools` shows it. */
export interface ToolListing {
  name: string;
  description: string;
  category: string;
  tags: string[];
  source: string;
  inputSchema: unknown;
}

export interface ToolRegistry {
  list(filter?: { category?: string; tags?: string[]; source?: string }): ToolListing[];
  /** Validate `args` against the tool's schema (a 400 with the zod issues) and run it. */
  execute(name: string, args: unknown, options?: ToolCallOptions): Promise<unknown>;
  /**
   * The tools in AI SDK form, for model agents' tool calling, as they are now (an MCP server's
   * come and go). The caller's key comes from the generation's `experimental_context: { clientKey }`
   * (the agent's task), when it sets one.
   */
  toAiTools(): ToolSet;
  /**
   * Replace every tool of `source` (an MCP server's, after `tools/list_changed` or a reconnect);
   * `[]` removes them. A name another source already holds is skipped and answered.
   */
  setSourceTools(source: string, tools: RegisteredTool[]): string[];
}

/** Define a tool with its input type inferred from the schema. */
export function defineTool<S extends z.ZodType>(definition: RegisteredTool<S>): RegisteredTool {
  return definition as unknown as RegisteredTool;
}

/** `clientKey` of an AI SDK `experimental_context`, if it is a string. */
function clientKeyOf(context: unknown): string | undefined {
  const key = (context as { clientKey?: unknown } | undefined)?.clientKey;
  return typeof key === 'string' ? key : undefined;
}

const sourceOf = (t: RegisteredTool) => t.source ?? 'builtin';

/** One tool in AI SDK form; wrapped once, as a bare zod schema is converted again on every model call. */
function toAiTool(t: RegisteredTool): ToolSet[string] {
  return tool({
    description: t.description,
    inputSchema: t.jsonSchema ? jsonSchema(t.jsonSchema as JSONSchema7) : zodSchema(t.inputSchema),
    execute: (input: unknown, { abortSignal, experimental_context }) =>
      t.execute(input, { signal: abortSignal, clientKey: clientKeyOf(experimental_context) }),
  });
}

export function createToolRegistry(initial: RegisteredTool[]): ToolRegistry {
  const byName = new Map(initial.map((t) => [t.name, t]));
  let aiTools: ToolSet | undefined;
  const listingOf = (t: RegisteredTool): ToolListing => ({
    name: t.name,
    description: t.description,
    category: t.category,
    tags: t.tags,
    source: sourceOf(t),
    inputSchema: t.jsonSchema ?? z.toJSONSchema(t.inputSchema, { io: 'input' }),
  });
  return {
    list({ category, tags, source } = {}) {
      return [...byName.values()]
        .filter((t) => !category || t.category === category)
        .filter((t) => !source || sourceOf(t) === source)
        .filter((t) => !tags?.length || tags.every((tag) => t.tags.includes(tag)))
        .map(listingOf);
    },
    async execute(name, args, options = {}) {
      const t = byName.get(name);
      if (!t) throw new ToolNotFoundError(name);
      const parsed = t.inputSchema.safeParse(args ?? {});
      if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues, 'arguments');
      return t.execute(parsed.data, options);
    },
    toAiTools() {
      aiTools ??= Object.fromEntries([...byName.values()].map((t) => [t.name, toAiTool(t)]));
      return aiTools;
    },
    setSourceTools(source, tools) {
      for (const [name, t] of byName) if (sourceOf(t) === source) byName.delete(name);
      const skipped: string[] = [];
      for (const t of tools) {
        if (byName.has(t.name)) skipped.push(t.name);
        else byName.set(t.name, { ...t, source });
      }
      aiTools = undefined;
      return skipped;
    },
  };
}
