import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { CorpusIndex } from '../../corpus/corpus-index.js';
import { countTokens } from '../../corpus/text.js';
import type { AgentBrief } from '../../orchestrator/task-context.js';
import { splitParts } from '../../orchestrator/parts.js';
import { answer } from './answer.js';
import { searchQuery } from './question.js';
import { merge, type MergeMode } from './merge.js';
import { plan } from './planner.js';
import { SEARCH_LIMIT, SEARCH_TOOL, WEB_SEARCH_TOOL, offers, toolCallParts, toolHits, type ToolCall } from './prompt-tools.js';
import { webStep } from './web-step.js';

/**
 * The offline `local` provider: a deterministic stand-in for a language model, behind the AI SDK's
 * model interface, so the orchestrator treats it like any other. It reads what it is asked from
 * the orchestrator's structured brief (`providerOptions.orchestrator`: role, task, sub-question,
 * findings), never from the prompt's wording, and answers from the document corpus: plans from the
 * request's parts, extractive answers with numbered citations (retrieved through the
 * `search_documents` tool when it is offered; from web pages too when `web_search` is, see
 * web-step.ts), and merged, deduplicated syntheses.
 */

/** The brief, or (called outside the orchestrator) the last user message as a worker's question. */
function briefOf(options: LanguageModelV3CallOptions): AgentBrief {
  const brief = options.providerOptions?.orchestrator as Partial<AgentBrief> | undefined;
  if (brief?.role) return { ...brief, role: brief.role, task: brief.task ?? brief.question ?? '' };
  const user = options.prompt.filter((m) => m.role === 'user').flatMap((m) => m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])));
  const text = user.join('\n').trim();
  return { role: 'worker', task: text, question: text };
}

/**
 * The work of every local call in the process, one slice per turn of the event loop: the
 * extractive answer, then each part of its stream, each starting only after the previous slice
 * finished and I/O had its turn. A slice is short, but what it sets off is not: a part flows on
 * through the AI SDK, the agent, the task's events and store, and a tool call into the search it
 * asks for, all before the turn ends. Handing a call's parts over all at once made that one turn
 * of tens of milliseconds; Node accepts one new connection per turn, so a client that connects
 * (a health check) waited behind every busy turn of those ahead of it in the queue.
 */
let turns: Promise<unknown> = Promise.resolve();
function inTurn<T>(work: () => T): Promise<T> {
  const run = turns.then(() => yieldToLoop()).then(work);
  turns = run.catch(() => undefined);
  return run;
}

/** Characters of a prompt's text and tool results. */
function promptChars(prompt: LanguageModelV3Prompt): number {
  let n = 0;
  for (const m of prompt) {
    if (m.role === 'system') n += m.content.length;
    else for (const part of m.content) n += part.type === 'text' ? part.text.length : part.type === 'tool-result' ? JSON.stringify(part.output).length : 0;
  }
  return n;
}

const MERGE_MODE: Partial<Record<AgentBrief['role'], MergeMode>> = { drummer: 'mid', camina: 'report', synthesizer: 'swarm' };

function usage(input: number, output: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

function textParts(text: string): LanguageModelV3StreamPart[] {
  const parts: LanguageModelV3StreamPart[] = [{ type: 'text-start', id: 'text' }];
  // A few deltas, cut at line ends, so clients see the answer arrive as from a real model; not one
  // per line, since each delta passes through every stream stage of the AI SDK.
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const per = Math.max(1, Math.ceil(lines.length / 4));
  for (let i = 0; i < lines.length; i += per) parts.push({ type: 'text-delta', id: 'text', delta: lines.slice(i, i + per).join('') });
  parts.push({ type: 'text-end', id: 'text' });
  return parts;
}

type Reply = { parts: LanguageModelV3StreamPart[]; output: string; reason: 'stop' | 'tool-calls' };

const say = (output: string): Reply => ({ parts: textParts(output), output, reason: 'stop' });

const calling = (prompt: LanguageModelV3Prompt, calls: ToolCall[]): Reply => ({
  parts: toolCallParts(prompt, calls),
  output: calls.map((c) => JSON.stringify(c.input)).join('\n'),
  reason: 'tool-calls',
});

export function createLocalModel(corpus: CorpusIndex, modelId = 'extractive'): LanguageModelV3 {
  const respond = (options: LanguageModelV3CallOptions): Reply => {
    const brief = briefOf(options);
    if (brief.role === 'planner') return say(JSON.stringify(plan(brief.task, brief.count ?? 5)));
    const mode = MERGE_MODE[brief.role];
    if (mode) return say(merge(brief.task, brief.findings ?? [], mode));
    const question = brief.question ?? brief.task;
    const context = splitParts(brief.task).preamble || brief.task;
    if (offers(options, WEB_SEARCH_TOOL)) {
      const step = webStep(options, question, context, corpus);
      return 'answer' in step ? say(step.answer) : calling(options.prompt, step.calls);
    }
    const hits = toolHits(options.prompt);
    if (!hits && offers(options, SEARCH_TOOL)) {
      const input = JSON.stringify({ query: searchQuery(question, context), limit: SEARCH_LIMIT });
      return { parts: [{ type: 'tool-call', toolCallId: `call-${countTokens(question)}-${question.length}`, toolName: SEARCH_TOOL, input }], output: input, reason: 'tool-calls' };
    }
    return say(answer(question, context, hits ?? corpus.search(searchQuery(question, context), { limit: SEARCH_LIMIT }), corpus));
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
      const { parts, output, reason } = await inTurn(() => {
        options.abortSignal?.throwIfAborted();
        return respond(options);
      });
      // About four characters a token: counting every word of every passage handed back would cost more than the answer.
      const inputTokens = Math.ceil(promptChars(options.prompt) / 4);
      const all: LanguageModelV3StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        ...parts,
        { type: 'finish', finishReason: { unified: reason, raw: reason }, usage: usage(inputTokens, countTokens(output)) },
      ];
      // One part a turn (see `inTurn`): what each part sets off runs in a turn of its own.
      let next = 0;
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          async pull(controller) {
            const part = await inTurn(() => all[next++]!);
            controller.enqueue(part);
            if (next === all.length) controller.close();
          },
        }),
      };
    },
  };
}
