import type { SearchHit } from '../../corpus/corpus-index.js';
import { contentWords, joinPhrasal, terms } from '../../corpus/text.js';
import { isPage, renderUnits, selectUnits, unitsOf } from './answer.js';
import { isHowTo, questionWeights, type Vocabulary } from './question.js';
import { pageHits, pageUnits, snippetUnits, type FetchedPage, type WebResult } from './page-passages.js';

/**
 * How the offline model answers from the web: which search results it reads, and an extractive
 * answer from the pages it read (and the corpus passages it found), scored as corpus passages are.
 */

/** Pages read at most: the best few answer; more would only cost time. */
const MAX_FETCHES = 3;
/** A result worth reading says at least this share of what the best one says of the question. */
const FETCH_FLOOR = 0.5;
const NO_TERMS: ReadonlySet<string> = new Set();

/**
 * The corpus's vocabulary with what was read on the web counted in (`texts`: the words of each
 * paragraph or snippet that may matter; `total`: how many were read in all), so a word every page
 * repeats weighs less than the one that tells them apart.
 */
export function webVocabulary(corpus: Vocabulary, texts: Array<ReadonlySet<string>>, total = texts.length): Vocabulary {
  const df = new Map<string, number>();
  for (const words of texts) for (const w of words) df.set(w, (df.get(w) ?? 0) + 1);
  const base = corpus.stats();
  return {
    stats: () => ({ ...base, passages: base.passages + total }),
    documentFrequency: (term) => corpus.documentFrequency(term) + (df.get(term) ?? 0),
    // A page as a whole credits none of its paragraphs: a page about the subject also talks of other things.
    documentTerms: (path) => (isPage({ path }) ? NO_TERMS : corpus.documentTerms(path)),
  };
}

/**
 * Whether a text may say one of the question's words: a test cheap enough for every paragraph of
 * a long page, before any is scored. A stem is a prefix of the words it stands for (but for `-ies`
 * → `-y`), so no paragraph that says a question word is missed.
 */
function mayAnswer(question: string, context: string): (text: string) => boolean {
  // The question's own words too: an irregular past ("led") stems to its verb ("lead"), no prefix of it.
  const asked = `${question} ${context}`;
  const keys = [...new Set([...terms(asked), ...contentWords(asked)])].map((t) => t.replace(/_/g, ' ').replace(/y$/, ''));
  return (text) => {
    const lower = joinPhrasal(text).toLowerCase();
    return keys.some((k) => lower.includes(k));
  };
}

const normalUrl = (url: string) => url.replace(/#.*$/, '').replace(/\/+$/, '').toLowerCase();

/**
 * The results worth fetching, best first: ranked by the weight of the question's words their
 * title and snippet say; each page once (the same address, or the same title syndicated elsewhere).
 */
export function resultsToFetch(question: string, context: string, results: WebResult[], corpus: Vocabulary): WebResult[] {
  const words = results.map((r) => new Set(terms(`${r.title} ${r.snippet}`)));
  const weights = questionWeights(question, context, webVocabulary(corpus, words));
  const seen = new Set<string>();
  const scored = results.flatMap((r, i) => {
    const keys = [`url:${normalUrl(r.url)}`, ...(r.title.trim() ? [`title:${r.title.trim().toLowerCase()}`] : [])];
    if (!/^https?:\/\//i.test(r.url) || keys.some((k) => seen.has(k))) return [];
    for (const k of keys) seen.add(k);
    let score = 0;
    for (const [term, w] of weights) if (words[i]!.has(term)) score += w;
    return score > 0 ? [{ r, i, score }] : [];
  });
  const best = Math.max(0, ...scored.map((s) => s.score));
  return scored
    .filter((s) => s.score >= FETCH_FLOOR * best)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, MAX_FETCHES)
    .map((s) => s.r);
}

/** What a worker with web tools read: the search results, the pages fetched, the corpus passages found. */
export interface WebReading {
  question: string;
  context: string;
  results: WebResult[];
  pages: FetchedPage[];
  hits: SearchHit[];
  /** Whether the corpus was searched too: a "not found" then says it was. */
  documents: boolean;
}

const notFoundOnWeb = (r: WebReading) =>
  `The web search results${r.documents ? ' and the documents in the corpus' : ''} do not answer this: ${r.question.replace(/\s+/g, ' ').trim()}`;

/**
 * An extractive answer from the web: the units of the pages read (and of the corpus passages) that
 * answer, each cited by the page's title and URL; when no page answers, the search results'
 * snippets that do; else one plain "not found", quoting nothing.
 */
export function webAnswer(r: WebReading, corpus: Vocabulary): string {
  const howTo = isHowTo(r.question);
  const may = mayAnswer(r.question, r.context);
  const passages = r.pages.flatMap(pageHits);
  // Only what may answer is cut into units and scored; what cannot still counts in how rare a word is.
  const read = pageUnits(passages.filter((h) => may(`${h.heading}\n${h.text}`)), howTo);
  const units = [...read, ...unitsOf(r.hits, howTo)];
  const fromPages = selectUnits(r.question, r.context, units, webVocabulary(corpus, read.map((u) => u.words), passages.length));
  if (fromPages.length) return renderUnits(fromPages);
  const snippets = snippetUnits(r.results);
  const fromSnippets = selectUnits(r.question, r.context, snippets, webVocabulary(corpus, snippets.map((u) => u.words)));
  return fromSnippets.length ? renderUnits(fromSnippets) : notFoundOnWeb(r);
}
