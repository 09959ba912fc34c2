import { partsWithin, subQuestions } from '../../orchestrator/parts.js';
import { GENERIC_WORDS } from './question.js';
import { terms } from '../../corpus/text.js';

/**
 * Sub-questions for a request, at most `count`: one per part it enumerates, in the user's words
 * (with the topic the preamble names for it). A request of one part is one sub-question: splitting
 * a single question into facets only narrowed each worker's search, so it is not done.
 */
export function plan(task: string, count: number): string[] {
  return partsWithin(withFollowUps(subQuestions(task)), count);
}

/**
 * "What restrictions apply during the dredging, and when?": a part that only asks ("When?", "How
 * much?", "Why?") says nothing of its own about what it asks of; it belongs to the part before it.
 */
function withFollowUps(parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    const prev = out.at(-1);
    const asksOnly = terms(part).every((t) => GENERIC_WORDS.has(t));
    if (prev !== undefined && asksOnly) out[out.length - 1] = `${prev.replace(/[?.!]\s*$/, '')}, and ${part.charAt(0).toLowerCase()}${part.slice(1)}`;
    else out.push(part);
  }
  return out;
}
