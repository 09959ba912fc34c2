import type { CorpusIndex, SearchHit } from '../../corpus/corpus-index.js';
import { similar, splitSentences, terms } from '../../corpus/text.js';
import { standingRank } from '../../corpus/vintage.js';
import { MONEY, ask, conjuncts, isHowTo, type Asked, type Vocabulary } from './question.js';
import { currentFirst, labelHistory } from './vintage-rules.js';

// Read here by callers from before question.ts had it.
export { searchQuery } from './question.js';

/** How the offline model answers one sub-question from the passages it read: extractively, cited. */

/** A unit must cover at least this share of the question's weight to be quoted at all. */
const RELEVANCE_FLOOR = 0.5;
/** …and be within this share of the best unit's coverage. */
const RELATIVE_FLOOR = 0.8;
const MAX_UNITS = 10;
const DUPLICATE = 0.6;

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

/** A unit before it is scored. */
export type UnitDraft = Omit<Unit, 'coverage'>;

/** The items of a list passage as prose (its intro, then each item), for questions that are not how-tos. */
const listAsProse = (text: string) => text.replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, '\n\n');

/** Whether a piece of text can be quoted at all: a real sentence, not a document's note about itself. */
export const quotable = (text: string): boolean => text.length >= 20 && text.split(/\s+/).length >= 4 && !META.test(text);

/** What one passage gives to quote, whatever the question: its pieces and their words. */
type Piece = Pick<UnitDraft, 'text' | 'words' | 'block'>;

/**
 * Pieces of recently read passages, by kind and text. Workers of one request read many of the same
 * passages, and cutting a passage into sentences and words was most of the cost of an answer (and
 * of its garbage). A cache, not a second index: bounded, and the words' sets are never changed.
 */
const piecesCache = new Map<string, Piece[]>();
const MAX_CACHED_PASSAGES = 2_000;

function piecesOf(hit: SearchHit, howTo: boolean): Piece[] {
  // Steps and code are quoted whole; a list of facts answers a plain question item by item.
  const whole = hit.kind === 'row' || hit.kind === 'code' || (hit.kind === 'list' && (howTo || /^\s*1[.)]/m.test(hit.text)));
  const key = `${hit.kind}${whole ? ' whole' : ''}\u0000${hit.text}`;
  let pieces = piecesCache.get(key);
  if (!pieces) {
    pieces = whole
      ? [{ text: hit.text, words: new Set(terms(hit.text)), block: hit.kind !== 'row' }]
      : splitSentences(hit.kind === 'list' ? listAsProse(hit.text) : hit.text)
          .filter(quotable)
          .map((sentence) => ({ text: sentence, words: new Set(terms(sentence)), block: false }));
    if (piecesCache.size >= MAX_CACHED_PASSAGES) piecesCache.clear();
    piecesCache.set(key, pieces);
  }
  return pieces;
}

/** The quotable units of passages: sentences of prose; lists, code and rows whole. */
export function unitsOf(hits: SearchHit[], howTo: boolean): UnitDraft[] {
  return hits.flatMap((hit, rank) => piecesOf(hit, howTo).map((p) => ({ text: p.text, hit, rank, words: p.words, block: p.block })));
}

type Filed = { last: Set<string>; above: Set<string>; where: Set<string> };
/** What recently read units were filed under, by heading and path: bounded, like `piecesCache`. */
const filedCache = new Map<string, Filed>();

/** What a unit is filed under: its own heading, the headings above it, its file's folders and name. */
function contextTerms(hit: SearchHit): Filed {
  const key = `${hit.path}\u0000${hit.heading}`;
  let filed = filedCache.get(key);
  if (!filed) {
    const trail = hit.heading.split(' › ');
    filed = {
      last: new Set(terms(trail.at(-1) ?? '')),
      above: new Set(terms(trail.slice(0, -1).join(' '))),
      // A page's address is not a folder: its words are often the headline's, and would credit every paragraph of the page.
      where: isPage(hit) ? new Set() : new Set(terms(hit.path.replace(/\.[^./]+$/, '').replace(/[/_.-]+/g, ' '))),
    };
    if (filedCache.size >= MAX_CACHED_PASSAGES) filedCache.clear();
    filedCache.set(key, filed);
  }
  return filed;
}

/** A unit read from a web page (or a search result): its `path` is the page's URL. */
export const isPage = (hit: Pick<SearchHit, 'path'>): boolean => /^https?:\/\//i.test(hit.path);

/** "Series C" where the question asks about "Series B": another of the same kind, named by its letter. */
function namesAnother(unit: UnitDraft, ctx: { last: Set<string>; above: Set<string>; document: ReadonlySet<string> }, weights: Map<string, number>): boolean {
  let filed: string[] | undefined; // only for a question that names one of a kind ("Series B"): most do not
  for (const term of weights.keys()) {
    const kind = /^(.+)_[^_]+$/.exec(term)?.[1];
    if (!kind || unit.words.has(term)) continue;
    const other = (w: string) => w !== term && w.startsWith(`${kind}_`);
    // A row or sentence of its own about another; or a section about another, in a document that never names this one.
    if ([...unit.words].some(other)) return true;
    filed ??= [...ctx.last, ...ctx.above];
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
    const repeats = (c: Unit) => c.text === unit.text || (!(tableOf(c) && tableOf(c) === tableOf(unit)) && similar(c.words, unit.words, DUPLICATE));
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
