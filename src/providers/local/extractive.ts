import type { CorpusIndex, SearchHit } from '../../corpus/corpus-index.js';
import { contentWords, selectMmr, splitSentences } from '../../corpus/text.js';

/** What the offline model writes with: planning, extractive answers and merging, all from the corpus. */

const MIN_SENTENCE = 25;

function idf(corpus: CorpusIndex, word: string): number {
  const { passages } = corpus.stats();
  return Math.log(1 + passages / (1 + corpus.documentFrequency(word)));
}

/** Key phrases of `text` (1–3 content words in a row), scored by how telling they are in the corpus. */
export function keyphrases(text: string, corpus: CorpusIndex): string[] {
  const runs: string[][] = [[]];
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}_'-]+/u)) {
    const word = raw.replace(/^['-]+|['-]+$/g, '');
    if (!word || word.length < 2 || contentWords(word).length === 0) runs.push([]);
    else runs.at(-1)!.push(word);
  }
  const scored = new Map<string, number>();
  for (const run of runs) {
    for (let n = 1; n <= 3; n++) {
      for (let i = 0; i + n <= run.length; i++) {
        const words = run.slice(i, i + n);
        const known = words.filter((w) => contentWords(w).every((t) => corpus.documentFrequency(t) > 0));
        if (known.length < words.length) continue;
        const score = words.reduce((s, w) => s + idf(corpus, contentWords(w)[0] ?? w), 0) * (n === 1 ? 1 : 0.8);
        scored.set(words.join(' '), score);
      }
    }
  }
  const ranked = [...scored].sort((a, b) => b[1] - a[1]).map(([p]) => p);
  // A phrase inside a chosen longer one adds nothing of its own.
  const chosen: string[] = [];
  for (const phrase of ranked) {
    if (chosen.some((c) => c.includes(phrase) || phrase.includes(c))) continue;
    chosen.push(phrase);
  }
  return chosen;
}

/** `count` distinct sub-questions: the task's key phrases first, then headings the corpus offers. */
export function plan(task: string, count: number, corpus: CorpusIndex): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (q: string) => {
    const key = q.toLowerCase();
    if (!seen.has(key) && out.length < count) {
      seen.add(key);
      out.push(q);
    }
  };
  for (const phrase of keyphrases(task, corpus)) push(`What do the documents say about "${phrase}"?`);
  for (const hit of corpus.search(task, { limit: count * 3 })) {
    const heading = hit.heading.split(' › ').at(-1);
    if (heading) push(`${heading}: how does it bear on the question?`);
  }
  return out;
}

export interface Source {
  path: string;
  heading: string;
  lines: string;
}

export function formatSource(s: Source): string {
  return `${s.path}${s.heading ? ` — ${s.heading}` : ''} (lines ${s.lines})`;
}

interface Candidate {
  text: string;
  source: number;
  words: Set<string>;
  relevance: number;
}

function candidates(hits: SearchHit[], queryWords: Set<string>, corpus: CorpusIndex): Candidate[] {
  const out: Candidate[] = [];
  hits.forEach((hit, rank) => {
    for (const sentence of splitSentences(hit.text)) {
      if (sentence.length < MIN_SENTENCE || /^(```|\||#)/.test(sentence) || sentence.length > 600) continue;
      const words = new Set(contentWords(sentence));
      let overlap = 0;
      for (const w of words) if (queryWords.has(w)) overlap += idf(corpus, w);
      if (overlap === 0) continue;
      out.push({ text: sentence.replace(/^[-*+]\s+/, ''), source: rank, words, relevance: overlap / Math.sqrt(words.size + 1) + 1 / (rank + 2) });
    }
  });
  const max = Math.max(1e-9, ...out.map((c) => c.relevance));
  for (const c of out) c.relevance /= max;
  return out;
}

/** An extractive answer: the most relevant, least redundant sentences of the hits, each cited. */
export function answer(question: string, hits: SearchHit[], corpus: CorpusIndex, sentences = 5): string {
  const picked = selectMmr(candidates(hits, new Set(contentWords(question)), corpus), sentences, (c) => c.relevance, (c) => c.words);
  if (picked.length === 0) return `The documents in the corpus do not answer this: ${question}`;
  const used = [...new Set(picked.map((c) => c.source))];
  const number = (source: number) => used.indexOf(source) + 1;
  const lines = picked.map((c) => `- ${c.text} [${number(c.source)}]`);
  const sources = used.map((s, i) => `[${i + 1}] ${formatSource(hits[s]!)}`);
  return `${lines.join('\n')}\n\nSources:\n${sources.join('\n')}`;
}
