import { partsWithin, subQuestions } from '../../orchestrator/parts.js';

/**
 * Sub-questions for a request, at most `count`: one per part it enumerates, in the user's words
 * (with the topic the preamble names for it). A request of one part is one sub-question: splitting
 * a single question into facets only narrowed each worker's search, so it is not done.
 */
export function plan(task: string, count: number): string[] {
  return partsWithin(subQuestions(task), count);
}
