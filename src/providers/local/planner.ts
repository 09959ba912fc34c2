import type { CorpusIndex } from '../../corpus/corpus-index.js';
import { partsWithin, subQuestions } from '../../orchestrator/parts.js';
import { selectUnits } from './answer.js';

/** How many extra facets a one-part question may get from the corpus's own sections. */
const MAX_FACETS = 3;

/**
 * Sub-questions for a request, at most `count`: one per part it enumerates, in the user's words.
 * A one-part question gets, besides itself, the distinct sections of the corpus that answer it
 * (by their headings), so several workers read different passages — never generic filler.
 */
export function plan(task: string, count: number, corpus: CorpusIndex): string[] {
  const parts = subQuestions(task);
  if (parts.length > 1 || count === 1) return partsWithin(parts, count);
  const question = parts[0]!;
  const units = selectUnits(question, '', corpus.search(question, { limit: 24 }), corpus);
  const facets: string[] = [];
  const seen = new Set<string>();
  for (const unit of units) {
    const heading = unit.hit.heading.split(' › ').at(-1)?.trim();
    const key = `${unit.hit.path}#${heading}`;
    if (!heading || seen.has(key) || facets.includes(heading)) continue;
    seen.add(key);
    facets.push(heading);
  }
  // One section answering means one worker; several mean one per section, the question kept whole.
  if (facets.length < 2) return [question];
  return facets.slice(0, Math.min(count, MAX_FACETS + 1)).map((f) => `${question} — ${f}`);
}
