import { tool, zodSchema, type ToolSet } from 'ai';
import { z } from 'zod';
import { ToolNotFoundError, validationErrorFromIssues } from '../errors.js';

/** A tool agents (and `execute_registered_tool`) can call. */
export interface RegisteredTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  category: string;
  tags: string[];
  inputSchema: S;
  execute(input: z.output<S>, options: { signal?: AbortSignal }): Promise<unknown>;
}

/** A tool as `list_registered_tools` shows it. */
export interface ToolListing {
  name: string;
  description: string;
  category: string;
  tags: string[];
  inputSchema: unknown;
}

export interface ToolRegistry {
  list(filter?: { category?: string; tags?: string[] }): ToolListing[];
  /** Validate `args` against the tool's schema (a 400 with the zod issues) and run it. */
  execute(name: string, args: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  /** The tools in AI SDK form, for model agents' tool calling. */
  toAiTools(): ToolSet;
}

/** Define a tool with its input type inferred from the schema. */
export function defineTool<S extends z.ZodType>(definition: RegisteredTool<S>): RegisteredTool {
  return definition as unknown as RegisteredTool;
}

export function createToolRegistry(tools: RegisteredTool[]): ToolRegistry {
  const byName = new Map(tools.map((t) => [t.name, t]));
  return {
    list({ category, tags } = {}) {
      return tools
        .filter((t) => !category || t.category === category)
        .filter((t) => !tags?.length || tags.every((tag) => t.tags.includes(tag)))
        .map(({ name, description, category, tags }) => ({
          name,
          description,
          category,
          tags,
          inputSchema: z.toJSONSchema(byName.get(name)!.inputSchema, { io: 'input' }),
        }));
    },
    async execute(name, args, options = {}) {
      const t = byName.get(name);
      if (!t) throw new ToolNotFoundError(name);
      const parsed = t.inputSchema.safeParse(args ?? {});
      if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues, 'arguments');
      return t.execute(parsed.data, options);
    },
    toAiTools() {
      const set: ToolSet = {};
      for (const t of tools) {
        set[t.name] = tool({
          description: t.description,
          // Wrapped once: a bare zod schema is converted to JSON Schema again on every model call.
          inputSchema: zodSchema(t.inputSchema),
          execute: (input: unknown, { abortSignal }) => t.execute(input, { signal: abortSignal }),
        });
      }
      return set;
    },
  };
}
