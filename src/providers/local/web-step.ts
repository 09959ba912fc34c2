import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { z } from 'zod';
import type { CorpusIndex } from '../../corpus/corpus-index.js';
import { searchQuery } from './question.js';
import type { FetchedPage, WebResult } from './page-passages.js';
import {
  FETCH_URL_TOOL,
  SEARCH_LIMIT,
  SEARCH_TOOL,
  WEB_SEARCH_TOOL,
  offers,
  toolHits,
  toolOutputs,
  type ToolCall,
  type ToolOutput,
} from './prompt-tools.js';
import { resultsToFetch, webAnswer } from './web-answer.js';

/**
 * A worker offered `web_search` works in at most three steps, each read off the prompt: search the
 * web (and the corpus, when `search_documents` is offered too); fetch the best results' pages;
 * answer from what was read. A step with nothing to do is skipped.
 */

/** Results asked of the search engine: a few more than are fetched, to choose from. */
const WEB_LIMIT = 8;

export type WebStep = { calls: ToolCall[] } | { answer: string };

const Result = z.object({ url: z.string(), title: z.string().catch(''), snippet: z.string().catch('') });
const Page = z.object({ url: z.string(), final_url: z.string().catch(''), title: z.string().catch(''), published: z.string().optional().catch(undefined), text: z.string() });

/** The well-formed results of web searches that answered. */
function resultsOf(outputs: ToolOutput[]): WebResult[] {
  return outputs.flatMap((o) => {
    const list = o.ok ? (o.value as { results?: unknown } | null)?.results : undefined;
    return Array.isArray(list) ? list.flatMap((item) => Result.safeParse(item).data ?? []) : [];
  });
}

/** The pages fetched, each once (two results may lead to one page); failed fetches and empty pages are skipped. */
function pagesOf(outputs: ToolOutput[]): FetchedPage[] {
  const seen = new Set<string>();
  return outputs.flatMap((o) => {
    const page = o.ok ? Page.safeParse(o.value).data : undefined;
    if (!page || !page.text.trim()) return [];
    const url = page.final_url || page.url;
    if (seen.has(url)) return [];
    seen.add(url);
    return [{ ...page, final_url: url }];
  });
}

/** The longest query `web_search` takes (Brave's limit), cut at a word. */
const MAX_QUERY = 400;
const webQuery = (query: string) => (query.length <= MAX_QUERY ? query : query.slice(0, MAX_QUERY + 1).replace(/\s+\S*$/, ''));

/** The first step: search the web, and the corpus too when it is offered and not yet searched. */
function firstCalls(options: LanguageModelV3CallOptions, query: string): ToolCall[] {
  const calls: ToolCall[] = [{ toolName: WEB_SEARCH_TOOL, input: { query: webQuery(query), limit: WEB_LIMIT } }];
  if (offers(options, SEARCH_TOOL) && !toolHits(options.prompt)) calls.push({ toolName: SEARCH_TOOL, input: { query, limit: SEARCH_LIMIT } });
  return calls;
}

/** What a worker with web tools does next, given what earlier steps brought back. */
export function webStep(options: LanguageModelV3CallOptions, question: string, context: string, corpus: CorpusIndex): WebStep {
  const { prompt } = options;
  const searched = toolOutputs(prompt, WEB_SEARCH_TOOL);
  if (searched.length === 0) return { calls: firstCalls(options, searchQuery(question, context)) };
  const results = resultsOf(searched);
  const fetched = toolOutputs(prompt, FETCH_URL_TOOL);
  if (fetched.length === 0 && offers(options, FETCH_URL_TOOL)) {
    const best = resultsToFetch(question, context, results, corpus);
    if (best.length) return { calls: best.map((r) => ({ toolName: FETCH_URL_TOOL, input: { url: r.url } })) };
  }
  const reading = { question, context, results, pages: pagesOf(fetched), hits: toolHits(prompt) ?? [], documents: offers(options, SEARCH_TOOL) };
  return { answer: webAnswer(reading, corpus) };
}
