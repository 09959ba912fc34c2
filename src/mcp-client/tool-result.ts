import type { CallToolResult } from '@modelcontextprotocol/client';
import { McpToolError } from './errors.js';

/** What an agent (and `execute_registered_tool`) gets from an MCP tool. */
export interface McpToolOutput {
  /** The text parts joined by newlines, other parts summarized; at most `outputMaxChars` plus a note. */
  content: string;
  /** The tool's `structuredContent`, when it sent one that fits in `outputMaxChars` as JSON. */
  structured?: unknown;
}

type Part = CallToolResult['content'][number];

/** Bytes of base64 data, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

/** One content part as text: text as it is, media and blobs summarized, resources by text or URI. */
function partText(part: Part): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
    case 'audio':
      return `[${part.type} ${part.mimeType}, ${base64Bytes(part.data)} bytes]`;
    case 'resource': {
      const { resource } = part;
      if ('text' in resource && typeof resource.text === 'string') return resource.text;
      const blob = 'blob' in resource && typeof resource.blob === 'string' ? `, ${base64Bytes(resource.blob)} bytes` : '';
      return `[resource ${resource.uri}${resource.mimeType ? ` ${resource.mimeType}` : ''}${blob}]`;
    }
    case 'resource_link':
      return `[resource link ${part.uri}${part.name ? ` (${part.name})` : ''}]`;
    default:
      return `[${(part as { type: string }).type} content]`;
  }
}

/** `text` cut at `maxChars`, with a note saying so. */
export function capText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}\n[… cut at ${maxChars} characters]`;
}

/** The result's parts as one text. */
export function resultText(result: CallToolResult): string {
  return (result.content ?? []).map(partText).join('\n');
}

/**
 * An MCP tool result as agents see it. A result with `isError` throws {@link McpToolError} with
 * the tool's text, so the agent's tool call ends as an error it can read.
 */
export function toToolOutput(result: CallToolResult, maxChars: number): McpToolOutput {
  const content = capText(resultText(result), maxChars);
  if (result.isError) throw new McpToolError(content || 'the tool failed without saying why');
  const output: McpToolOutput = { content };
  if (result.structuredContent !== undefined) {
    const json = JSON.stringify(result.structuredContent);
    if (json !== undefined && json.length <= maxChars) output.structured = result.structuredContent;
  }
  return output;
}
