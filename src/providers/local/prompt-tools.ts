import type { LanguageModelV3CallOptions, LanguageModelV3Prompt, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { SearchHit } from '../../corpus/corpus-index.js';

/** The tools the local model calls, and what it reads back from the prompt of the next step. */

export const SEARCH_TOOL = 'search_documents';
export const WEB_SEARCH_TOOL = 'web_search';
export const FETCH_URL_TOOL = 'fetch_url';
/** Passages a worker asks for: enough for the relevance floor to choose from. */
export const SEARCH_LIMIT = 16;

/** What one earlier call of a tool gave back: its JSON value, or `undefined` when it failed. */
export type ToolOutput = { ok: true; value: unknown } | { ok: false };

/** The results of every earlier call of `toolName`, in order (the AI SDK puts them in `tool` messages). */
export function toolOutputs(prompt: LanguageModelV3Prompt, toolName: string): ToolOutput[] {
  const out: ToolOutput[] = [];
  for (const message of prompt) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type !== 'tool-result' || part.toolName !== toolName) continue;
      // Error results (`error-text`, `error-json`) and denied calls carry no answer.
      out.push(part.output.type === 'json' ? { ok: true, value: part.output.value } : { ok: false });
    }
  }
  return out;
}

/** Results of `search_documents` calls made in earlier steps (undefined: none was made). */
export function toolHits(prompt: LanguageModelV3Prompt): SearchHit[] | undefined {
  const outputs = toolOutputs(prompt, SEARCH_TOOL);
  if (outputs.length === 0) return undefined;
  return outputs.flatMap((o) => (o.ok ? ((o.value as { results?: SearchHit[] } | null)?.results ?? []) : []));
}

/** Whether the call offers a tool of this name. */
export const offers = (options: LanguageModelV3CallOptions, name: string): boolean => options.tools?.some((t) => t.name === name) ?? false;

/** A tool call the model asks for. */
export interface ToolCall {
  toolName: string;
  input: unknown;
}

/**
 * Tool-call stream parts, one per call, with ids no earlier step used: the step's number (one
 * assistant message per earlier step) and the call's place in it.
 */
export function toolCallParts(prompt: LanguageModelV3Prompt, calls: ToolCall[]): LanguageModelV3StreamPart[] {
  const step = prompt.filter((m) => m.role === 'assistant').length;
  return calls.map((c, i) => ({ type: 'tool-call', toolCallId: `call-${step}-${i}-${c.toolName}`, toolName: c.toolName, input: JSON.stringify(c.input) }));
}
