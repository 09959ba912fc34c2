import type { CorpusIndex, SearchHit } from '../../corpus/corpus-index.js';
import { jaccard, joinPhrasal, splitSentences, terms, tokenize } from '../../corpus/text.js';
import { standingRank } from '../../corpus/vintage.js';
import { currentFirst, labelHistory } from './vintage-rules.js';

/** How the offline model answers one sub-question from the passages it read: extractively, cited. */

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

/** A unit must cover at least this share of the question's weight to be quoted at all. */
const RELEVANCE_FLOOR = 0.5;
/** …and be within this share of the best unit's coverage. */
const RELATIVE_FLOOR = 0.8;
const MAX_UNITS = 10;
const DUPLICATE = 0.6;
const HOW_TO = /\bhow (?:do|can|should|would) (?:i|we|you|one)\b|\bhow to\b|\bsteps?\b|\bprocedures?\b|\binstructions?\b|\brunbook\b|\bcommands?\b/i;

/** A quotable piece of a passage: a sentence of prose, a whole list or code block, or a table row. */
export interface Unit {
  text: string;
  hit: SearchHit;
  rank: number;
  words: Set<string>;
  block: boolean;
  coverage: number;
  /** Set when the unit is stated only as history (an older or non-current figure). */
  label?: string;
}

/** What scoring reads of a collection: how rare each word is, and what each document is about. */
export type Vocabulary = Pick<CorpusIndex, 'stats' | 'documentFrequency' | 'documentTerms'>;

/** A unit before it is scored. */
export type UnitDraft = Omit<Unit, 'coverage'>;

function idf(corpus: Vocabulary, term: string): number {
  const { passages } = corpus.stats();
  return Math.log(1 + passages / (1 + corpus.documentFrequency(term)));
}

/** "now in force", "currently in effect": ways of asking for the current version, which vintage rules already give. */
const CURRENT_FRAME = /\b(?:now |currently |still )?in (?:force|effect|place|operation)\b/gi;

/** A word the corpus lacks, when forgiven, weighs this share of the average word it has. */
const ABSENT_SHARE = 0.5;

/** What a question asks, as scoring reads it. */
interface Asked {
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
const MONEY = /[$£€¥]\s?\d|\d[\d,.]*\s?(?:USD|EUR|GBP|dollars|euros|pounds)\b/i;

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
function ask(question: string, context: string, corpus: Vocabulary): Asked {
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

/** The items of a list passage as prose (its intro, then each item), for questions that are not how-tos. */
const listAsProse = (text: string) => text.replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, '\n\n');

/** Whether a question asks how to do something: steps and commands answer it best. */
export const isHowTo = (question: string): boolean => HOW_TO.test(question);

/** Whether a piece of text can be quoted at all: a real sentence, not a document's note about itself. */
export const quotable = (text: string): boolean => text.length >= 20 && text.split(/\s+/).length >= 4 && !META.test(text);

/** The quotable units of passages: sentences of prose; lists, code and rows whole. */
export function unitsOf(hits: SearchHit[], howTo: boolean): UnitDraft[] {
  const out: UnitDraft[] = [];
  hits.forEach((hit, rank) => {
    // Steps and code are quoted whole; a list of facts answers a plain question item by item.
    const whole = hit.kind === 'row' || hit.kind === 'code' || (hit.kind === 'list' && (howTo || /^\s*1[.)]/m.test(hit.text)));
    if (whole) {
      out.push({ text: hit.text, hit, rank, words: new Set(terms(hit.text)), block: hit.kind !== 'row' });
      return;
    }
    for (const sentence of splitSentences(hit.kind === 'list' ? listAsProse(hit.text) : hit.text)) {
      if (!quotable(sentence)) continue;
      out.push({ text: sentence, hit, rank, words: new Set(terms(sentence)), block: false });
    }
  });
  return out;
}

/** What a unit is filed under: its own heading, the headings above it, its file's folders and name. */
function contextTerms(hit: SearchHit): { last: Set<string>; above: Set<string>; where: Set<string> } {
  const trail = hit.heading.split(' › ');
  return {
    last: new Set(terms(trail.at(-1) ?? '')),
    above: new Set(terms(trail.slice(0, -1).join(' '))),
    // A page's address is not a folder: its words are often the headline's, and would credit every paragraph of the page.
    where: isPage(hit) ? new Set() : new Set(terms(hit.path.replace(/\.[^./]+$/, '').replace(/[/_.-]+/g, ' '))),
  };
}

/** A unit read from a web page (or a search result): its `path` is the page's URL. */
export const isPage = (hit: Pick<SearchHit, 'path'>): boolean => /^https?:\/\//i.test(hit.path);

/** "Series C" where the question asks about "Series B": another of the same kind, named by its letter. */
function namesAnother(unit: UnitDraft, ctx: { last: Set<string>; above: Set<string>; document: ReadonlySet<string> }, weights: Map<string, number>): boolean {
  const filed = [...ctx.last, ...ctx.above];
  for (const term of weights.keys()) {
    const kind = /^(.+)_[^_]+$/.exec(term)?.[1];
    if (!kind || unit.words.has(term)) continue;
    const other = (w: string) => w !== term && w.startsWith(`${kind}_`);
    // A row or sentence of its own about another; or a section about another, in a document that never names this one.
    if ([...unit.words].some(other)) return true;
    if (filed.some(other) && !filed.includes(term) && !ctx.document.has(term)) return true;
  }
  return false;
}

/**
 * How well a unit answers: each question word counts by its weight, fully when the unit says it,
 * a little less when only what the unit is filed under does (its heading, the headings above, its
 * folder or file name); words found where it is filed add a little more, so a section about the
 * subject beats a passing mention elsewhere. A word asking for money counts as said by a unit that
 * states an amount. Missing the focus costs a third; naming another of the kind the question names
 * ("Series C" for "Series B") costs half.
 */
function coverage(unit: UnitDraft, asked: Asked, corpus: Vocabulary): number {
  const ctx = { ...contextTerms(unit.hit), document: corpus.documentTerms(unit.hit.path) };
  const money = asked.money.size > 0 && MONEY.test(unit.text);
  const says = (term: string) => unit.words.has(term) || (money && asked.money.has(term));
  let total = 0;
  let got = 0;
  let filed = 0;
  for (const [term, w] of asked.weights) {
    total += w;
    const strength = unit.words.has(term) ? 1 : ctx.last.has(term) ? 0.9 : says(term) ? 0.85 : ctx.above.has(term) ? 0.8 : ctx.where.has(term) ? 0.75 : ctx.document.has(term) ? 0.6 : 0;
    got += w * strength;
    if (ctx.last.has(term) || ctx.above.has(term) || ctx.where.has(term)) filed += w;
  }
  if (total === 0 || got === 0) return 0;
  const raw = (0.85 * got + 0.15 * filed) / total;
  const { focus } = asked;
  // Missing the question's most telling word is missing its point ("the CEO's salary" is not "the CEO").
  const hasFocus = says(focus) || ctx.last.has(focus) || ctx.above.has(focus) || ctx.where.has(focus) || ctx.document.has(focus);
  // A unit that covers most of the question may word its point differently ("suit" for "lawsuit").
  const pointed = hasFocus || raw >= 0.7 ? raw : 0.7 * raw;
  return namesAnother(unit, ctx, asked.weights) ? 0.5 * pointed : pointed;
}

/** A document that speaks to the question once, beside others that do so at length, is likely a passing mention. */
function documentFocus<T extends { hit: SearchHit; coverage: number }>(units: T[]): T[] {
  const perDoc = new Map<string, number>();
  for (const u of units) perDoc.set(u.hit.path, (perDoc.get(u.hit.path) ?? 0) + 1);
  const most = Math.max(...perDoc.values());
  if (most < 3) return units;
  return units.map((u) => ({ ...u, coverage: u.coverage * (perDoc.get(u.hit.path)! >= 2 ? 1 : 0.9) }));
}

/** A document's notes about itself ("Last updated: May 2026 by …", "SUPERSEDED — see …") answer nothing. */
const META = /^_?(?:last\s+)?(?:updated|revised|reviewed|prepared|published|issued|status|version|dated|draft|superseded|archived|maintained|owned|owner|next\s+review)\b.{0,150}$/i;

/** The units that answer: above the floor, close to the best, not repeating each other. */
export function selectUnits(question: string, context: string, units: UnitDraft[], corpus: Vocabulary): Unit[] {
  // "Who runs the company (leadership)": the topic in brackets is the user's own name for the part;
  // a unit on that topic answers as well as one that repeats the question's words.
  const topic = /\(([^()]+)\)\s*$/.exec(question)?.[1] ?? '';
  const asked = ask(topic ? question.slice(0, question.lastIndexOf('(')) : question, context, corpus);
  const onTopic = topic ? ask(topic, '', corpus) : undefined;
  if (asked.weights.size === 0 && !onTopic?.weights.size) return [];
  const howTo = isHowTo(question);
  // "Funding history and investors": a unit that answers either half answers the part.
  const halves = conjuncts(topic ? question.slice(0, question.lastIndexOf('(')) : question)
    .map((c) => ask(c, '', corpus))
    .filter((a) => a.weights.size > 0);
  const score = (u: UnitDraft) =>
    Math.max(coverage(u, asked, corpus), onTopic?.weights.size ? coverage(u, onTopic, corpus) : 0, ...halves.map((a) => 0.95 * coverage(u, a, corpus)));
  const scored = documentFocus(
    units
      .map((u) => ({ ...u, coverage: score(u) + howToBonus(howTo, u) }))
      .filter((u) => u.coverage >= RELEVANCE_FLOOR),
  );
  if (scored.length === 0) return [];
  // Close to the best few, not to the single best: one sentence that happens to repeat the
  // question's word must not push out the section that answers it.
  const best = [...scored.map((u) => u.coverage)].sort((a, b) => b - a)[Math.min(2, scored.length - 1)]!;
  const ranked = scored
    .filter((u) => u.coverage >= RELATIVE_FLOOR * best)
    .sort((a, b) => b.coverage - a.coverage || currentFirst(a.hit, b.hit) || a.rank - b.rank);
  const distinct: Unit[] = [];
  for (const unit of ranked) {
    // Rows of one table share their column names, not their content: each is a record of its own.
    const repeats = (c: Unit) => c.text === unit.text || (!(tableOf(c) && tableOf(c) === tableOf(unit)) && jaccard(c.words, unit.words) >= DUPLICATE);
    if (distinct.some(repeats)) continue;
    distinct.push(unit);
  }
  // The limit counts what is stated, after an older figure has given way to the current one.
  return withinLimit(labelHistory(distinct, ranked));
}

/** A table's rows count as one answer: a table that answers is quoted whole (up to this many rows). */
const MAX_TABLE_ROWS = 12;
const tableOf = (u: Unit) => (u.hit.kind === 'row' ? `${u.hit.path}#${u.hit.heading}` : undefined);

/** At most `MAX_UNITS` answers, the rows of one table being one answer. */
function withinLimit(units: Unit[]): Unit[] {
  const tables = new Map<string, number>();
  let answers = 0;
  return units.filter((u) => {
    const table = tableOf(u);
    const rows = table ? (tables.get(table) ?? 0) : 0;
    if (table && rows > 0) {
      tables.set(table, rows + 1);
      return rows < MAX_TABLE_ROWS;
    }
    if (answers >= MAX_UNITS) return false;
    answers++;
    if (table) tables.set(table, 1);
    return true;
  });
}

const notFound = (question: string) => `The documents in the corpus do not answer this: ${question.replace(/\s+/g, ' ').trim()}`;

function render(unit: Unit, n: number): string {
  const label = unit.label ? `_${unit.label}:_ ` : '';
  if (!unit.block) return `- ${label}${unit.text} [${n}]`;
  // A list or code block is quoted whole, under the sentence that introduces it (or its heading).
  const [first, ...rest] = unit.text.split('\n\n');
  const intro = /[:：]\s*$/.test(first ?? '') ? first! : `${unit.hit.heading.split(' › ').at(-1) || unit.hit.title}:`;
  const body = intro === first ? rest.join('\n\n') : unit.text;
  return `${label}${intro.replace(/[:：]\s*$/, '')} [${n}]:\n\n${body}`;
}

/** For a how-to, steps answer better than prose, and commands better still. */
const howToBonus = (howTo: boolean, u: { block: boolean; text: string }) => (!howTo || !u.block ? 0 : u.text.includes('```') ? 0.25 : 0.15);

const REFERS_BACK = /\b(?:it|its|they|their|them|this|that|these|those|he|she|his|her)\b/i;
/** The names and numbers of a text ("Series B", "2025"): what a later "it" or "its" stands for. */
const referents = (text: string) => tokenize(text).filter((w, i) => /\d/.test(w) || (i > 0 && /^\p{Lu}/u.test(w)));

/**
 * The halves of "X and Y" (or "X, Y and Z"): each asks for something of its own. A half that
 * refers back ("…, and how much did it raise?", "… and its finances") is about what the first
 * half names, so it carries the first half's names and numbers.
 */
function conjuncts(question: string): string[] {
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

/** Which source a unit cites: a page by its URL, a document by its file and lines. */
const sourceKey = (h: SearchHit) => (isPage(h) ? h.path : `${h.path}#${h.lines}`);

/** `[n] api.md — HTTP API › Events (lines 3-9)`, or for a page `[n] Its title — https://…`. */
function sourceLine(h: SearchHit, n: number): string {
  if (isPage(h)) return `[${n}] ${h.title && h.title !== h.path ? `${h.title} — ` : ''}${h.path}`;
  return `[${n}] ${h.path}${h.heading ? ` — ${h.heading}` : ''} (lines ${h.lines})`;
}

/** Chosen units as an answer: facts as cited bullets, then lists and code whole, then the numbered sources. */
export function renderUnits(units: Unit[]): string {
  const keys: string[] = [];
  const number = (h: SearchHit) => {
    const key = sourceKey(h);
    if (!keys.includes(key)) keys.push(key);
    return keys.indexOf(key) + 1;
  };
  const byStanding = [...units].sort((a, b) => standingRank(a.hit.standing) - standingRank(b.hit.standing) || Number(a.block) - Number(b.block));
  const facts = byStanding.filter((u) => !u.block).map((u) => render(u, number(u.hit)));
  const blocks = byStanding.filter((u) => u.block).map((u) => render(u, number(u.hit)));
  const hitsByKey = new Map(units.map((u) => [sourceKey(u.hit), u.hit]));
  const sources = keys.map((k, i) => sourceLine(hitsByKey.get(k)!, i + 1));
  return [facts.join('\n'), ...blocks].filter(Boolean).join('\n\n') + `\n\nSources:\n${sources.join('\n')}`;
}

/** An extractive answer: the passages' units that answer, each cited, or one plain "not found". */
export function answer(question: string, context: string, hits: SearchHit[], corpus: CorpusIndex): string {
  const units = selectUnits(question, context, unitsOf(hits, isHowTo(question)), corpus);
  return units.length === 0 ? notFound(question) : renderUnits(units);
}
