import type { CorpusIndex } from '../../corpus/corpus-index.js';
import { joinPhrasal, terms, tokenize } from '../../corpus/text.js';

/**
 * How the offline model reads a question (or one part of a request): its telling words and their
 * weights, the word it turns on, the names and numbers it gives, whether it asks about money or how
 * to do something, its halves ("X and Y"), and the words a worker searches for.
 */

/** Words that say what kind of answer is wanted, not what it is about. */
export const GENERIC_WORDS: ReadonlySet<string> = new Set(
  terms(
    'document documents say says tell information info detail details overview summary summarise summarize brief ' +
      'describe list key main give find know please prepare write question questions answer include including cover ' +
      'covering regarding concerning related relevant current currently latest recent new kind sort type thing things ' +
      'company organisation organization corpus report much many rule rules status quickly fast soon often happen happens occur occurs mean means handle handled',
  ),
);
const GENERIC = GENERIC_WORDS;

const HOW_TO = /\bhow (?:do|can|should|would) (?:i|we|you|one)\b|\bhow to\b|\bsteps?\b|\bprocedures?\b|\binstructions?\b|\brunbook\b|\bcommands?\b/i;

/** What scoring reads of a collection: how rare each word is, and what each document is about. */
export type Vocabulary = Pick<CorpusIndex, 'stats' | 'documentFrequency' | 'documentTerms'>;

function idf(corpus: Vocabulary, term: string): number {
  const { passages } = corpus.stats();
  return Math.log(1 + passages / (1 + corpus.documentFrequency(term)));
}

/** "now in force", "currently in effect": ways of asking for the current version, which vintage rules already give. */
const CURRENT_FRAME = /\b(?:now |currently |still )?in (?:force|effect|place|operation)\b/gi;

/** A word the corpus lacks, when forgiven, weighs this share of the average word it has. */
const ABSENT_SHARE = 0.5;

/** What a question asks, as scoring reads it. */
export interface Asked {
  /** Its telling words with their weights. */
  weights: Map<string, number>;
  /** The word a unit must say (or be filed under) not to miss the question's point. */
  focus: string;
  /** Words that ask for an amount of money ("finances", "cost"): a unit stating one answers them. */
  money: Set<string>;
}

/**
 * Words that ask about money in general, whatever the documents call it ("its finances" is
 * answered by turnover and surplus, "how much did it raise" by an amount): a unit stating an amount
 * says them. Words for one kind of money ("revenue", "price") are not among them: not every amount
 * is a revenue.
 */
const MONEY_WORDS = new Set(terms('finance finances financial financials money monetary cost costs spend spent spending earn earned earnings pay paid raise raised'));
/** An amount of money: `$40M`, `£9.6 million`, `€1,500`, `120 USD`. */
export const MONEY = /[$£€¥]\s?\d|\d[\d,.]*\s?(?:USD|EUR|GBP|dollars|euros|pounds)\b/i;

/** Words written with a capital inside the question (not its first word): names ("France", "Series B"). */
function namesOf(question: string): Set<string> {
  const names = new Set<string>();
  for (const sentence of question.split(/(?<=[.?!;:])\s+|\(/)) {
    for (const word of tokenize(sentence).slice(1)) if (/^\p{Lu}/u.test(word)) for (const t of terms(word)) names.add(t);
  }
  return names;
}

/**
 * The question's terms with their weights: rarer words weigh more. A word no document uses cannot
 * tell one unit from another; it can only say that the documents do not answer. It stays the
 * question's point (weighing most, its focus) when it is a name or a number the corpus lacks
 * ("the capital of France", "throughput in 1990"), or when such words are as many as the words the
 * corpus knows. Otherwise it is a gap in wording ("lawsuit" for "suit", "traffic" for "how busy"):
 * it weighs little, and the most telling known word is the focus.
 */
export function ask(question: string, context: string, corpus: Vocabulary): Asked {
  const pick = (text: string) => [...new Set(terms(text.replace(CURRENT_FRAME, ' ')))].filter((t) => !GENERIC.has(t));
  const own = pick(question);
  const source = own.length ? question : context;
  const chosen = own.length ? own : pick(context);
  const weights = new Map(chosen.map((t) => [t, idf(corpus, t)]));
  const absent = chosen.filter((t) => corpus.documentFrequency(t) === 0);
  const known = chosen.filter((t) => !absent.includes(t));
  const names = namesOf(source);
  const decisive = known.length === 0 || absent.length >= known.length || absent.some((t) => names.has(t) || /\d/.test(t));
  if (!decisive) {
    const average = known.reduce((n, t) => n + weights.get(t)!, 0) / known.length;
    for (const t of absent) weights.set(t, ABSENT_SHARE * average);
  }
  const candidates = decisive ? chosen : known;
  const focus = candidates.reduce((a, b) => (weights.get(b)! > weights.get(a)! ? b : a), candidates[0] ?? '');
  return { weights, focus, money: new Set(chosen.filter((t) => MONEY_WORDS.has(t))) };
}

/** The question's terms with their weights (see `ask`). */
export function questionWeights(question: string, context: string, corpus: Vocabulary): Map<string, number> {
  return ask(question, context, corpus).weights;
}

/** Whether a question asks how to do something: steps and commands answer it best. */
export const isHowTo = (question: string): boolean => HOW_TO.test(question);

const REFERS_BACK = /\b(?:it|its|they|their|them|this|that|these|those|he|she|his|her)\b/i;
/** The names and numbers of a text ("Series B", "2025"): what a later "it" or "its" stands for. */
const referents = (text: string) => tokenize(text).filter((w, i) => /\d/.test(w) || (i > 0 && /^\p{Lu}/u.test(w)));

/**
 * The halves of "X and Y" (or "X, Y and Z"): each asks for something of its own. A half that
 * refers back ("…, and how much did it raise?", "… and its finances") is about what the first
 * half names, so it carries the first half's names and numbers.
 */
export function conjuncts(question: string): string[] {
  const parts = question.split(/\s*(?:,|;|\band\b|\bas well as\b)\s*/i).map((p) => p.trim()).filter(Boolean);
  if (parts.length < 2) return [];
  const named = referents(parts[0]!).join(' ');
  return parts.map((p, i) => (i > 0 && named && REFERS_BACK.test(p) ? `${p} ${named}` : p));
}

/** What a worker searches for: the question's telling words, without the ones that only ask. */
export function searchQuery(question: string, context: string): string {
  // Words that only ask ("what", "status", "how quickly") go; names with their letter ("Series B") stay whole.
  const words = (text: string) =>
    (text.match(/\p{Lu}\p{Ll}+\s+\p{Lu}\b|\S+/gu) ?? []).filter((w) => terms(w).some((t) => !GENERIC.has(t)));
  const own = words(joinPhrasal(question.replace(CURRENT_FRAME, ' ')));
  return (own.length ? own : words(context)).join(' ') || question;
}
