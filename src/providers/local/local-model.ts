import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { CorpusIndex, SearchHit } from '../../corpus/corpus-index.js';
import { countTokens } from '../../corpus/text.js';
import { answer, plan } from './extractive.js';
import { merge, type MergeMode } from './merge.js';

/**
 * The offline `local` provider: a deterministic stand-in for a language model, behind the AI SDK's
 * model interface, so the orchestrator treats it like any other. It reads the prompt as a model
 * would — a planning request, a question, or findings to merge — and answers from the document
 * corpus: plans from the task's key phrases, extractive answers with numbered citations (retrieved
 * through the `search_documents` tool when it is offered), and merged, deduplicated syntheses.
 */

const SEARCH_TOOL = 'search_documents';

interface Reading {
  system: string;
  user: string;
  /** Results of a `search_documents` call made in an earlier step. */
  toolHits?: SearchHit[];
}

function read(prompt: LanguageModelV3Prompt): Reading {
  const reading: Reading = { system: '', user: '' };
  for (const message of prompt) {
    if (message.role === 'system') {
      reading.system += message.content;
    } else if (message.role === 'user') {
      for (const p of message.content) if (p.type === 'text') reading.user += p.text;
    } else if (message.role === 'tool') {
      for (const part of message.content) {
        if (part.type !== 'tool-result' || part.toolName !== SEARCH_TOOL) continue;
        const value = part.output.type === 'json' ? (part.output.value as { results?: SearchHit[] }) : undefined;
        reading.toolHits = [...(reading.toolHits ?? []), ...(value?.results ?? [])];
      }
    }
  }
  return reading;
}

/** The question a worker prompt asks, and the goal around it. */
function question(user: string): { focus: string; goal: string } {
  const section = (name: string) => new RegExp(`${name}:\\n([\\s\\S]*?)(?:\\n\\n[A-Z][^\\n]*:\\n|$)`).exec(user)?.[1]?.trim();
  const focus = section('Your sub-question') ?? section('Your angle') ?? user.trim();
  const goal = section('Overall research goal') ?? section('Search query') ?? '';
  return { focus, goal };
}

function mergeMode(system: string): MergeMode {
  if (/executive/i.test(system)) return 'report';
  if (/search synthesizer/i.test(system)) return 'swarm';
  return 'mid';
}

function usage(input: number, output: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

function textParts(text: string): LanguageModelV3StreamPart[] {
  const parts: LanguageModelV3StreamPart[] = [{ type: 'text-start', id: 'text' }];
  // Stream by line so clients see the answer arrive, as from a real model.
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) parts.push({ type: 'text-delta', id: 'text', delta: line });
  parts.push({ type: 'text-end', id: 'text' });
  return parts;
}

export function createLocalModel(corpus: CorpusIndex, modelId = 'extractive'): LanguageModelV3 {
  const respond = (options: LanguageModelV3CallOptions): { parts: LanguageModelV3StreamPart[]; output: string; reason: 'stop' | 'tool-calls' } => {
    const r = read(options.prompt);
    if (/planner/i.test(r.system) && /JSON array/i.test(r.user)) {
      const count = Number(/exactly (\d+)/.exec(r.user)?.[1] ?? 5);
      const task = /Request:\n([\s\S]*?)\n\nWrite exactly/.exec(r.user)?.[1] ?? r.user;
      const output = JSON.stringify(plan(task, count, corpus));
      return { parts: textParts(output), output, reason: 'stop' };
    }
    if (/\nFindings:\n/.test(r.user)) {
      const output = merge(r.user, mergeMode(r.system));
      return { parts: textParts(output), output, reason: 'stop' };
    }
    const { focus, goal } = question(r.user);
    const query = `${focus} ${goal}`.trim();
    const canSearch = options.tools?.some((t) => t.name === SEARCH_TOOL);
    if (canSearch && !r.toolHits) {
      const input = JSON.stringify({ query, limit: 6 });
      return { parts: [{ type: 'tool-call', toolCallId: `call-${countTokens(query)}-${query.length}`, toolName: SEARCH_TOOL, input }], output: input, reason: 'tool-calls' };
    }
    const hits = r.toolHits ?? corpus.search(query, { limit: 6 });
    const output = answer(focus + (goal ? ` ${goal}` : ''), hits, corpus);
    return { parts: textParts(output), output, reason: 'stop' };
  };

  return {
    specificationVersion: 'v3',
    provider: 'local',
    modelId,
    supportedUrls: {},
    async doGenerate() {
      throw new Error('the local model streams only');
    },
    async doStream(options) {
      options.abortSignal?.throwIfAborted();
      const { parts, output, reason } = respond(options);
      const inputTokens = countTokens(JSON.stringify(options.prompt));
      const all: LanguageModelV3StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        ...parts,
        { type: 'finish', finishReason: { unified: reason, raw: reason }, usage: usage(inputTokens, countTokens(output)) },
      ];
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            for (const part of all) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };
}
